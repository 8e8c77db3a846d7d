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
    talk: '通话时长', actions: '操作', yes: '在线', no: '离线', unknown: '—', forceNotReady: '强制示忙', forceLogout: '强制登出', listen: '监听',
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
  listen: {
    active: '正在监听席位 {seat} 的通话（来电方与调度员两路声音已混合，双方听不到您）', stop: '停止监听', connecting: '正在建立监听…',
    caller: '来电方', seat: '调度员', packets: '{party}：已收到 {n} 个语音包', ended: '通话已结束，监听已停止。', stopped: '已停止监听。',
    failed: '监听失败：{msg}', noAudio: '暂未收到语音（网络或媒体服务器问题）',
  },
  status: { eventsOpen: '实时数据已连接', eventsClosed: '实时数据中断，正在重连…', done: '操作成功：{what}' },
  tabs: { board: '实时监控', queues: '队列设置', screening: '号码筛查', surge: '临时席位' },
  serviceLevel: {
    heading: '今日服务水平', queue: '队列', offered: '呼入', answered: '接听', within10: '10 秒内接听', pct10: '10 秒接听率',
    pct15: '15 秒接听率', pct20: '20 秒接听率', abandoned: '放弃', abandonedPct: '放弃率', avgWait: '平均等待', p90Wait: '90% 等待',
    inProgress: '进行中', total: '全部', none: '今日暂无呼入', updated: '更新于 {time}',
  },
  alarms: {
    heading: '队列告警', none: '当前无告警', mute: '静音', unmute: '取消静音', since: '{time} 起',
    levels: { info: '提示', warning: '预警', critical: '严重' },
    types: {
      queue_longest_wait: '队列 {queue} 最长等待 {value}（预警 {warning} / 严重 {critical}）',
      queue_waiting_calls: '队列 {queue} 排队 {value} 个（预警 {warning} / 严重 {critical}）',
      queue_answered_10s_share: '队列 {queue} 近 15 分钟 10 秒接听率 {value}（预警低于 {warning} / 严重低于 {critical}）',
    },
    other: '{type}：{subject}',
  },
  queueAdmin: {
    heading: '队列设置（修改立即生效）', id: '编号', name: '名称', strategy: '分配策略', ringTimeout: '振铃超时', wrapup: '话后处理',
    priority: '基础优先级', waiting: '排队', ringing: '振铃', longest: '最长等待', seats: '就绪/在岗', alarm: '告警', edit: '修改',
    none: '暂无队列', seconds: '{n} 秒', editTitle: '修改队列 {id}', save: '保存', cancel: '取消', saving: '正在保存…',
    saved: '队列 {id} 已更新，立即生效', thresholds: '告警阈值', warning: '预警', critical: '严重',
    longestWaitS: '最长等待（秒）', waitingCalls: '排队数（个）', answered10Pct: '10 秒接听率（%，低于即告警）',
    ringTimeoutHint: '3–120 秒', wrapupHint: '0–600 秒', priorityHint: '0 最紧急 – 9', nothingChanged: '没有修改任何内容。',
  },
  strategies: { longest_idle: '空闲最久优先', fewest_calls: '接听最少优先', round_robin: '轮流分配', ring_all: '同时振铃', tiers: '分层分配' },
  screening: {
    heading: '号码名单', proposalsHeading: '待审核的骚扰号码建议', list: '名单', match: '匹配', number: '号码', reason: '原因',
    source: '来源', author: '添加人', expires: '到期', never: '长期', actions: '操作', delete: '删除', none: '名单为空',
    add: '添加', addHeading: '添加号码', expiresInH: '有效期（小时，空 = 长期）', allLists: '全部名单', added: '已将 {number} 加入{list}',
    deleted: '已删除 {number}', confirmDelete: '确定从{list}删除 {number} 吗？',
    lists: { block: '黑名单', watch: '关注名单', allow: '白名单' },
    matches: { exact: '完整号码', prefix: '号码前缀' },
    sources: { person: '人工', proposal: '审核通过', rule: '规则' },
    proposal: {
      number: '号码', list: '建议名单', reasons: '依据', strength: '次数', created: '首次', approve: '批准', reject: '驳回',
      none: '暂无待审核建议', approved: '已批准：{number} 加入{list}', rejected: '已驳回：{number}', expiresInH: '有效期（小时）',
      confirmReject: '确定驳回对 {number} 的建议吗？',
    },
    reasons: { nuisance: '席位标记骚扰', silent: '席位标记无声', short_calls: '频繁短呼', silent_marks: '多次无声标记' },
  },
  surge: {
    templatesHeading: '临时席位模板', templateId: '模板编号', templateName: '名称', queues: '接听队列', tier: '层级', wrapup: '话后处理（秒）',
    role: '角色', createTemplate: '新建模板', templateCreated: '模板 {id} 已创建', noTemplates: '暂无模板，请先新建模板',
    prefixCol: '席位组', createHeading: '开设临时席位（重大事件）', template: '模板', count: '席位数（1–200）', prefix: '席位前缀（可空）',
    expiresAt: '到期时间', reason: '事由', create: '开设', creating: '正在开设…',
    listHeading: '进行中的临时席位', created: '开设时间', by: '开设人', seats: '席位', status: '状态', expiresCol: '到期', end: '结束',
    none: '当前没有临时席位', confirmEnd: '确定结束临时席位组 {prefix}（{count} 个席位）吗？空闲席位立即停用，通话中的席位在通话结束后停用。',
    ended: '临时席位组 {prefix} 已结束', statuses: { active: '使用中', ending: '结束中（有通话）', ended: '已结束' },
    secretsTitle: '临时席位账号（只显示这一次）',
    secretsWarning: '⚠ SIP 密码只显示这一次，系统不保存密码。请立即复制或打印并分发给各席位人员；关闭后无法再次查看，遗失只能结束后重新开设。',
    seat: '席位', sipUser: 'SIP 用户名', sipPassword: 'SIP 密码', link: '登录链接', copy: '复制全部', copied: '已复制到剪贴板',
    copyFailed: '无法自动复制，请手动选中下方文字复制。', close: '我已记录，关闭', confirmClose: '关闭后密码将无法再次查看，确定已经记录了吗？',
    copyLine: '席位 {seat}  SIP用户 {user}  密码 {password}  链接 {link}',
    roles: { dispatcher: '调度员', supervisor: '班长' },
  },
  fields: {
    ring_timeout_s: '振铃超时', wrapup_s: '话后处理', base_priority: '基础优先级', strategy: '分配策略', name: '名称', number: '号码',
    reason: '原因', list: '名单', expires_at: '到期时间', count: '席位数', prefix: '席位前缀', template_id: '模板', queues: '接听队列',
    id: '编号', tier: '层级', settings: '告警阈值', alarms: '告警阈值',
  },
  errors: {
    CTI_AUTH_INVALID: '用户名或密码错误。', CTI_LOGIN_THROTTLED: '登录失败次数过多，请稍后再试或联系管理员。',
    CTI_TOKEN_EXPIRED: '登录已过期，请重新登录。', CTI_AUTH_REQUIRED: '请先登录。', CTI_FORBIDDEN: '没有权限执行此操作（需要班长权限）。',
    CTI_SEAT_NOT_FOUND: '席位不存在。', CTI_SEAT_BUSY: '该席位正在通话，通话结束后才能置忙或登出。', CTI_BAD_REQUEST: '请求有误。',
    CTI_SEAT_ILLEGAL_TRANSITION: '该席位当前状态不允许此操作。', NETWORK: '无法连接服务器，请检查网络。', unknown: '操作失败（{code}）：{message}',
    CTI_NOT_FOUND: '要操作的对象不存在（可能已被他人删除），请刷新。', CTI_CONFLICT: '与现有数据冲突（编号或名称已存在，或已被他人处理），请检查后重试。',
    CTI_QUEUE_NOT_FOUND: '队列不存在。', CTI_QUEUE_SETTINGS_INVALID: '告警阈值不合理：预警值必须比严重值更早触发（等待和排队：预警小于严重；接听率：预警高于严重）。',
    CTI_STATS_PERIOD_INVALID: '统计时段无效。', CTI_SCREENING_ENTRY_NOT_FOUND: '名单条目不存在（可能已被删除）。',
    CTI_SCREENING_NUMBER_INVALID: '号码格式不正确，请只输入数字。', CTI_SCREENING_POLICY_INVALID: '处置策略无效。',
    CTI_SCREENING_PROPOSAL_NOT_FOUND: '该建议不存在。', CTI_SCREENING_PROPOSAL_CLOSED: '该建议已被处理（可能由其他班长审核），请刷新。',
    CTI_CALL_NOT_TALKING: '该通话尚未接通或已结束。', CTI_CALL_MEDIA_NOT_FOUND: '媒体服务器上找不到该通话（通话本身不受影响）。',
    CTI_LISTEN_NOT_FOUND: '监听会话不存在（可能已结束）。', CTI_ENGINE_UNAVAILABLE: '媒体服务器暂时不可用。', CTI_RTPENGINE_ERROR: '媒体服务器拒绝了请求。',
    CTI_CALL_NOT_FOUND: '通话不存在。',
    CTI_INTERNAL: '服务器内部错误，请联系管理员（错误编号 {error_id}）。', badFields: '以下内容填写有误：{fields}',
  },
};

export function t(text, vars = {}) {
  return String(text).replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
}
