/** Words of the supervisor's whisper/barge-in as the dispatcher sees them (coach.js), Simplified Chinese. */
export const co = {
  connecting: '班长 {who} 正在接入…',
  whisper: '班长 {who} 正在对您耳语（仅您能听到，来电方听不到）',
  barge: '班长 {who} 已强插通话（来电方、您和班长三方通话）',
  ended: '班长已退出耳语/强插。',
  failed: '班长语音接入失败：{msg}',
};
