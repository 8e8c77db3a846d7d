/** Every word the supervisor console shows (Simplified Chinese). Code and logs stay in English. */
export const zh = {
  title: '120 班长席 · 实时监控',
  login: { heading: '班长登录', username: '用户名', password: '密码', submit: '登录', busy: '正在登录…', failed: '登录失败：{msg}' },
  header: { user: '班长 {user}', logout: '退出登录', clock: '{time}' },
  queues: {
    heading: '队列', queue: '队列', waiting: '排队数', longest: '最长等待', offered: '今日呼入', answered: '今日接听',
    inTarget: '10 秒内接听', serviceLevel: '10 秒接听率', abandoned: '今日放弃', unknown: '（未分配队列）', none: '今日暂无呼入',
  },
  seats: {
    heading: '席位', seat: '席位', state: '状态', reason: '原因', inState: '状态时长', registered: '软电话', call: '当前通话',
    talk: '通话时长', actions: '操作', yes: '在线', no: '离线', unknown: '—', forceNotReady: '强制示忙', forceLogout: '强制登出',
    none: '暂无席位', confirmLogout: '确定要将席位 {seat} 强制登出吗？',
  },
  seatState: {
    logged_out: '未登录', ready: '就绪', reserved: '振铃中', talking: '通话中', wrap_up: '话后处理', not_ready: '示忙',
  },
  reasons: { login: '刚登录', break: '休息', meal: '用餐', training: '培训', meeting: '会议', no_answer: '未接听（系统置忙）', logout: '退出', supervisor: '班长置忙' },
  abandoned: {
    heading: '放弃呼叫（待回拨）', time: '放弃时间', number: '主叫号码', queue: '队列', wait: '等待时长', status: '状态', none: '暂无放弃呼叫',
    withheld: '号码未显示', statuses: { open: '待回拨', claimed: '回拨中', done: '已处理' },
  },
  status: { eventsOpen: '实时数据已连接', eventsClosed: '实时数据中断，正在重连…', done: '操作成功：{what}' },
  errors: {
    CTI_AUTH_INVALID: '用户名或密码错误。', CTI_LOGIN_THROTTLED: '登录失败次数过多，请稍后再试或联系管理员。',
    CTI_TOKEN_EXPIRED: '登录已过期，请重新登录。', CTI_AUTH_REQUIRED: '请先登录。', CTI_FORBIDDEN: '没有权限执行此操作（需要班长权限）。',
    CTI_SEAT_NOT_FOUND: '席位不存在。', CTI_SEAT_BUSY: '该席位正在通话，通话结束后才能置忙或登出。', CTI_BAD_REQUEST: '请求有误。',
    CTI_SEAT_ILLEGAL_TRANSITION: '该席位当前状态不允许此操作。', NETWORK: '无法连接服务器，请检查网络。', unknown: '操作失败（{code}）：{message}',
  },
};

export function t(text, vars = {}) {
  return String(text).replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
}
