/** Words of the dispatcher's callback panel (callbacks.js), Simplified Chinese. */
export const cb = {
  heading: '未接来电回拨',
  refresh: '刷新',
  number: '来电号码', abandonedAt: '放弃时间', wait: '等待时长', queue: '队列', status: '状态', holder: '认领人', actions: '操作',
  withheld: '号码未显示', none: '暂无待回拨的未接来电',
  statuses: { open: '待回拨', claimed: '已认领', done: '已处理' },
  mine: '我',
  claim: '认领', release: '释放', dial: '回拨', hangup: '挂断', close: '登记结果', submit: '提交', cancel: '取消',
  outcome: '回拨结果', note: '备注',
  outcomes: {
    reached: '已联系上', no_answer: '无人接听', busy: '占线', wrong_number: '号码错误', duplicate: '重复来电', not_needed: '无需回拨',
    called_again: '对方已再次来电',
  },
  callStates: {
    dialling: '正在回拨 {number}…', talking: '回拨通话中 {number} {time}', ended: '回拨已结束', failed: '回拨未接通（{code}）',
    noPhone: '软电话未注册，无法回拨', refused: '无权拨打该号码（请先认领）',
  },
  claimed: '已认领，可以回拨 {number}',
  notAuthorised: '已认领，但暂不能从本席位回拨：{why}',
  closed: '已登记结果：{outcome}',
  errors: {
    CTI_CALLBACK_ALREADY_CLAIMED: '该来电已被其他调度员认领。',
    CTI_CALLBACK_NOT_CLAIMED: '请先认领该来电。',
    CTI_CALLBACK_NOT_YOURS: '该来电由其他调度员认领，不能修改。',
    CTI_CALLBACK_CLOSED: '该来电已处理完毕。',
    CTI_CALLBACK_NO_SEAT: '您尚未登录席位，无法认领回拨。',
    CTI_CALLBACK_NOT_FOUND: '该来电记录不存在，请刷新。',
  },
};
