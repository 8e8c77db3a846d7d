/** Words of the supervisor's callback panel (abandoned.js), Simplified Chinese. */
export const ab = {
  tab: '未接回拨',
  heading: '未接来电回拨工作单',
  filter: '状态', all: '全部', refresh: '刷新',
  number: '来电号码', abandonedAt: '放弃时间', wait: '等待时长', queue: '队列', status: '状态', holder: '认领人', seat: '席位',
  outcome: '结果', note: '备注', callback: '回拨通话', actions: '操作',
  withheld: '号码未显示', none: '暂无记录', closedBySystem: '系统',
  statuses: { open: '待回拨', claimed: '已认领', done: '已处理' },
  outcomes: {
    reached: '已联系上', no_answer: '无人接听', busy: '占线', wrong_number: '号码错误', duplicate: '重复来电', not_needed: '无需回拨',
    called_again: '对方已再次来电',
  },
  callbackStates: { dialling: '拨号中', talking: '通话中', ended: '已结束', failed: '未接通' },
  reassign: '改派', release: '释放', close: '关闭', submit: '确定', cancel: '取消', chooseDispatcher: '选择调度员',
  notAtSeat: '未登录席位', done: '操作成功',
  errors: {
    CTI_CALLBACK_ALREADY_CLAIMED: '该来电已被其他调度员认领。',
    CTI_CALLBACK_NOT_CLAIMED: '该来电尚未认领。',
    CTI_CALLBACK_CLOSED: '该来电已处理完毕。',
    CTI_CALLBACK_ASSIGNEE_INVALID: '只能改派给本中心在岗的调度员。',
    CTI_CALLBACK_NOT_FOUND: '该来电记录不存在，请刷新。',
  },
};
