/** Words of the dispatcher's transfer panel (transfer.js), Simplified Chinese. */
export const xf = {
  heading: '转接',
  search: '搜索转接目标（名称、号码、类别）',
  speedKeys: '一键转接',
  none: '没有匹配的转接目标',
  transfer: '转接',
  needCall: '通话中才能转接',
  states: {
    requested: '正在转接到 {name}…',
    referred: '对方已受理转接，正在呼叫 {name}…',
    ringing: '{name} 正在振铃…',
    succeeded: '已转接到 {name}，本席位通话结束后进入整理。',
    failed: '转接到 {name} 失败（{reason}）：来电方仍与您通话，请继续处理。',
  },
  reasons: {
    refer_refused: '对方网关不支持转接', busy: '目标占线', unreachable: '目标无法接通', no_answer: '目标无人接听', rejected: '目标拒绝',
    failed: '转接失败', token_expired: '等待超时', caller_hung_up: '来电方已挂机',
  },
  errors: {
    CTI_LINKAGE_FORBIDDEN: '该目标不在联动名录中或您无权转接，请联系管理员。',
    CTI_LINKAGE_DESTINATION_NOT_FOUND: '联动名录中没有该目标。',
    CTI_TRANSFER_IN_PROGRESS: '该通话正在转接中，请等待结果。',
    CTI_TRANSFER_TARGET_UNSUPPORTED: '暂不支持直接转接到外线号码或其他中心，请改为转接席位或队列。',
    CTI_TRANSFER_TARGET_IS_CALLER_SEAT: '通话已在该席位上，请选择其他目标。',
    CTI_CALL_NOT_TALKING: '通话未接通，无法转接。',
  },
  referFailed: '软电话未能发出转接请求（{msg}）：来电方仍与您通话。',
};
