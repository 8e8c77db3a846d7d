/** Every word the dispatcher softphone shows (Simplified Chinese). Code and logs stay in English. */
export const zh = {
  title: '120 调度席 · 软电话',
  login: {
    heading: '调度员登录', username: '用户名', password: '密码', seat: '席位号', sipUser: 'SIP 账号', sipPassword: 'SIP 密码',
    submit: '登录', busy: '正在登录…', sipHint: 'SIP 账号和密码由管理员在创建席位时设定；密码只用于本次注册，不会保存。',
    failed: '登录失败：{msg}',
  },
  header: { seat: '席位 {seat}', user: '调度员 {user}', logout: '退出登录', settings: '快捷键设置', devices: '耳麦设置' },
  seatState: {
    logged_out: '未登录', ready: '就绪', reserved: '振铃中', talking: '通话中', wrap_up: '话后处理', not_ready: '示忙',
  },
  reasons: { login: '刚登录', break: '休息', meal: '用餐', training: '培训', meeting: '会议', no_answer: '未接听（系统置忙）', logout: '退出', supervisor: '班长置忙', connection_lost: '网页断开（来电已转回队列）' },
  notReadyReasons: ['break', 'meal', 'training', 'meeting'],
  buttons: {
    ready: '就绪', notReady: '示忙', answer: '接听', hangup: '挂断', mute: '静音', unmute: '取消静音',
    hold: '保持', unhold: '取消保持', dtmf: '拨号盘', save: '保存', cancel: '取消', reset: '恢复默认',
    recall: '回放 30 秒', stopRecall: '停止回放', close: '关闭',
  },
  status: {
    inState: '本状态已持续 {time}',
    sipConnecting: '正在连接语音服务器…', sipConnected: '语音服务器已连接', sipReconnecting: '网络中断，正在第 {n} 次重连…',
    sipDisconnected: '网络连接中断：软电话暂时无法接听来电，正在自动重连。', registered: '软电话已注册，可以接听来电',
    unregistered: '软电话未注册',
    regFailed: 'SIP 注册失败（{status} {reason}）：请核对 SIP 账号和密码，或联系管理员。',
    regFailedAuth: 'SIP 注册失败：SIP 账号或密码错误，请重新登录并输入正确的 SIP 密码。',
    eventsOpen: '实时数据已连接', eventsClosed: '实时数据中断，正在重连…',
    offline: '电脑网络已断开：请检查网线或 Wi-Fi，恢复后软电话会自动重连。',
    forcedLogout: '班长已将本席位退出登录，软电话已注销，不会再振铃。如需继续接警，请重新登录。',
    recovering: '网络已恢复，正在恢复通话（ICE 重启）…', recovered: '通话已恢复', recoverFailed: '通话恢复失败：{error}。如听不到对方，请挂断后回拨。',
    sipSilent: '语音服务器无响应：软电话暂时无法接听来电，正在重新连接。',
    sipReconnected: '网络曾中断，已重新连接语音服务器，正在重新注册…',
  },
  failover: {
    switched: '主节点故障，已切换到备用节点（用时 {seconds} 秒，{time} 恢复接警）',
  },
  mic: {
    NotAllowedError: '麦克风被拒绝：请在浏览器地址栏左侧允许本页面使用麦克风，然后刷新页面。',
    NotFoundError: '未检测到麦克风：请插好耳麦后刷新页面。',
    NotReadableError: '麦克风被其他程序占用：请关闭其他使用麦克风的程序后重试。',
    insecure: '当前页面不是安全连接（HTTPS），浏览器不允许使用麦克风：请使用中心提供的 https 地址打开本页面。',
    OverconstrainedError: '所选麦克风不可用（可能已拔出）：已改用系统默认麦克风，请在“耳麦设置”中重新选择。',
    other: '无法使用麦克风（{name}）：请检查耳麦后刷新页面。',
  },
  devices: {
    heading: '耳麦设置', input: '麦克风', output: '扬声器 / 耳机', default: '系统默认', meter: '麦克风音量',
    hint: '对着麦克风说话，音量条应随声音跳动。选择会保存在本电脑的浏览器中。',
    testTone: '播放测试音', testing: '正在播放测试音…', tested: '测试音已播放：如果没有听到，请换一个输出设备或检查音量。',
    saved: '耳麦设置已保存', noInput: '未检测到麦克风：请插好耳麦。', noOutputChoice: '此浏览器不支持选择输出设备，将使用系统默认设备。',
    inputGone: '所选麦克风已断开，已改用系统默认麦克风：请检查耳麦连接。', outputGone: '所选耳机已断开，已改用系统默认输出设备。',
    silent: '麦克风没有声音：请检查耳麦上的静音开关。', level: '{db} dBFS',
  },
  recall: {
    replaying: '正在回放最近 {seconds} 秒的来电声音（电平 {db} dBFS），实时通话声音已调低',
    empty: '暂无可回放的来电声音', buffering: '已缓存最近 {seconds} 秒来电声音，可按 {key} 回放',
  },
  hold: {
    held: '通话已保持：来电方正在听等待音，您的麦克风已关闭（您仍能听到来电方）。',
    failed: '保持失败（通话继续，未保持）：{msg}', resumeFailed: '取消保持失败：{msg}',
  },
  queues: { heading: '队列', waiting: '排队 {n}', longest: '最长等待 {time}', none: '暂无排队', unknown: '（未分配队列）' },
  popup: {
    heading: '来电', number: '主叫号码', withheld: '号码未显示', wait: '已等待', queue: '队列', history: '该号码近期来电',
    noHistory: '无历史来电', loading: '正在查询…', answerHint: '按 {key} 接听，{hangup} 拒接',
    historyRow: '{time} · {state}{seat}',
  },
  callStates: { ended: '已结束', abandoned: '放弃', talking: '通话中', queued: '排队中', offering: '振铃中', failed_open: '应急转接' },
  call: { talking: '通话中 {time}', held: '（已保持）', muted: '（已静音）', idle: '空闲', answering: '正在接通…', ended: '通话已结束' },
  hotkeys: {
    heading: '快捷键设置', hint: '点击输入框后按下想用的键（如 F1）。', answer: '接听', hangup: '挂断', mute: '静音', hold: '保持',
    ready: '就绪', not_ready: '示忙', recall: '回放 30 秒', xfer_110: '一键转接 110', xfer_119: '一键转接 119', xfer_122: '一键转接 122',
    saved: '快捷键已保存',
  },
  errors: {
    CTI_AUTH_INVALID: '用户名或密码错误。', CTI_LOGIN_THROTTLED: '登录失败次数过多，请稍后再试或联系管理员。',
    CTI_TOKEN_EXPIRED: '登录已过期，请重新登录。', CTI_AUTH_REQUIRED: '请先登录。', CTI_FORBIDDEN: '没有权限执行此操作（可能有其他调度员正在使用该席位）。',
    CTI_SEAT_NOT_FOUND: '席位号不存在，请核对。', CTI_SEAT_BUSY: '席位正在通话，请先结束通话。',
    CTI_SEAT_NOT_REGISTERED: '软电话尚未注册，请稍候。',
    CTI_CALL_NOT_TALKING: '通话尚未接通或已结束。', CTI_CALL_NOT_YOURS: '只能操作本席位接听的通话。',
    CTI_CALL_MEDIA_NOT_FOUND: '媒体服务器上找不到该通话（通话本身不受影响）。', CTI_HOLD_AUDIO_MISSING: '等待音文件缺失，无法保持：请联系管理员。',
    CTI_ENGINE_UNAVAILABLE: '媒体服务器暂时不可用。', CTI_RTPENGINE_ERROR: '媒体服务器拒绝了请求。', CTI_SEAT_ILLEGAL_TRANSITION: '当前状态不允许此操作。', CTI_BAD_REQUEST: '输入有误，请检查。', NETWORK: '无法连接服务器，请检查网络。',
    unknown: '操作失败（{code}）：{message}',
  },
};

/** `{name}` placeholders filled from `vars`. */
export function t(text, vars = {}) {
  return String(text).replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
}
