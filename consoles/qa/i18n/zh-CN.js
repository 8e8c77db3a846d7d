/** Every word the QA console shows (Simplified Chinese). Code and logs stay in English. */
export const zh = {
  title: '120 质检席 · 录音质检',
  login: { heading: '质检席登录', username: '用户名', password: '密码', submit: '登录', busy: '正在登录…', failed: '登录失败：{msg}', notQa: '此账号没有质检权限' },
  header: { user: '质检员 {user}', dispatcherUser: '调度员 {user}', logout: '退出登录' },
  tabs: { search: '录音检索', scorecards: '成绩单', forms: '评分表管理', mine: '我的评分' },
  search: {
    heading: '录音检索', from: '开始时间', to: '结束时间', caller: '主叫号码', seat: '席位', queue: '队列', minDuration: '最短时长（秒）',
    maxDuration: '最长时长（秒）', minScore: '最低分', maxScore: '最高分', tag: '标签', submit: '检索', reset: '清空',
    arrived: '来电时间', number: '主叫号码', queueCol: '队列', seatCol: '席位', answerWait: '接听等待', talk: '通话时长', duration: '录音时长',
    status: '录音状态', score: '质检得分', open: '播放评分', none: '没有符合条件的录音', withheld: '号码未显示', prev: '上一页', next: '下一页',
    page: '第 {n} 页，本页 {count} 条', loading: '正在检索…',
    statuses: { ready: '可播放', missing: '缺失', failed: '失败', purged: '已清除' },
    reviews: '{n} 次评分',
    incident: '事件编号', flag: '录音标记', flagAny: '全部', flagGap: '缺音', dispatcher: '调度员', tagsCol: '标签', incidentOf: '事件 {id}',
  },
  tools: {
    tags: '标签：', noTags: '无标签', add: '添加标签', remove: '删除标签 {tag}', added: '已添加标签“{tag}”', removed: '已删除标签“{tag}”',
    badTag: '标签不能含空格或逗号，最长 32 个字', export: '导出证据包（录音+完整性证明）', exporting: '正在生成证据包…', exported: '已下载 {name}',
    gap: '缺音', gapAt: '{channel} {from}–{to} 无声音 {s} 秒', channels: { caller: '主叫', seat: '席位' },
    roomFrom: '{from} 起进入会议（右声道为主叫听到的会议混音）', heldAt: '{from}–{to} 主叫听保持音（未录入，右声道静音）',
  },
  forms: {
    heading: '评分表管理', none: '还没有评分表', name: '名称', items: '评分项数', state: '状态', active: '启用', inactive: '已停用',
    inUse: '已有评分使用', edit: '编辑', new: '新建评分表', creating: '新建评分表', editing: '编辑评分表：{name}', description: '说明',
    excellent: '优 ≥（分）', good: '良 ≥（分）', fair: '中 ≥（分，以下为差）', key: '代码（英文）', label: '评分项', kind: '类型',
    weight: '权重', min: '最低分', max: '最高分', metric: '绑定时间', bands: '分档（秒:得分）', otherwise: '超出各档得分',
    kinds: { subjective: '人工评分', objective: '系统计算' },
    metrics: { ring_s: '振铃时长', answer_s: '接听时间（来电到接听）', queue_s: '排队时长', talk_s: '通话时长' },
    bandsHelp: '分档写法：“10:10, 20:5” 表示 10 秒以内得 10 分，20 秒以内得 5 分，超过各档按“超出各档得分”（留空为最低分）。',
    addItem: '添加评分项', removeItem: '删除', save: '保存评分表', saved: '评分表“{name}”已保存',
    locked: '已有评分使用此评分表，评分项不能再修改（可改名称、说明、等级线和启用状态；需要新评分项请新建评分表）。',
    rowIncomplete: '第 {n} 行：请填写代码和评分项名称', badBands: '第 {n} 行：系统计算项的分档格式应为“秒:得分, 秒:得分”',
  },
  mine: {
    heading: '我的评分', count: '共 {n} 条定稿评分', none: '还没有您的定稿评分', reviewerComment: '质检评语：', noComment: '（无）',
    yourReply: '我的回复：', placeholder: '对这次评分的说明或意见', submit: '提交回复', update: '修改回复', sent: '回复已提交', empty: '请先填写回复内容',
  },
  player: {
    heading: '录音播放', back: '返回检索结果', call: '通话', caller: '主叫（左声道）', seat: '席位（右声道）', speed: '播放速度', mute: '静音',
    loading: '正在加载录音波形…', decoded: '录音 {duration}，{rate} Hz，{channels} 声道', noAudio: '此通话没有可播放的录音',
    timeline: '通话时间轴', recording: '录音', decodeFailed: '录音波形解码失败：{msg}',
    events: {
      'call.offered.v1': '呼入', 'call.queued.v1': '排队', 'call.offering.v1': '振铃席位', 'call.answered.v1': '接听', 'call.ended.v1': '挂机',
      'call.abandoned.v1': '放弃', 'call.transferred.v1': '转接', 'call.redirected.v1': '改派',
    },
    at: '{label} {time}',
  },
  scoring: {
    heading: '调度评分', form: '评分表', noForms: '还没有启用的评分表，请先由管理员创建', item: '评分项', kind: '类型', scale: '分值范围',
    weight: '权重', value: '得分', points: '折合分', objective: '系统计算', subjective: '人工评分', measured: '实测 {s} 秒',
    preview: '（系统按通话时间计算，保存后写入评分）', noTiming: '无此时间数据', comment: '评语', saveDraft: '保存草稿', saveFinal: '提交定稿',
    total: '总分 {score}（{grade}）', status: { draft: '草稿', final: '已定稿' }, saved: '已保存草稿', finalised: '评分已定稿：{score} 分（{grade}）',
    reviewOf: '已有评分：{status}', finalLocked: '定稿后不能再修改（如需更正请联系管理员重开）', missing: '请为每一个人工评分项打分后再定稿',
  },
  cards: {
    heading: '成绩单', form: '评分表', from: '开始日期', to: '结束日期', submit: '查询', dispatcher: '调度员', reviews: '评分次数',
    average: '平均分', min: '最低分', max: '最高分', grade: '等级', team: '团队平均（{n} 人）', none: '此期间没有定稿的评分', unknown: '（未登录席位）',
    exportXlsx: '导出 Excel', exportCsvCards: '导出 CSV（成绩单）', exportCsvReviews: '导出 CSV（评分明细）', exporting: '正在导出…', exported: '已下载 {name}',
  },
  errors: {
    CTI_AUTH_REQUIRED: '请先登录', CTI_TOKEN_EXPIRED: '登录已过期，请重新登录', CTI_FORBIDDEN: '没有权限执行此操作',
    CTI_AUTH_INVALID: '用户名或密码错误', CTI_RECORDING_NOT_FOUND: '录音不存在', CTI_CALL_NOT_FOUND: '通话记录不存在',
    CTI_QA_ANSWER_INVALID: '评分不完整或超出分值范围，请检查每一项', CTI_QA_REVIEW_FINAL: '评分已定稿，不能再修改',
    CTI_QA_FORM_NOT_FOUND: '评分表不存在', CTI_QA_FORM_INACTIVE: '评分表已停用，请选择启用中的评分表', CTI_QA_CALL_NOT_SCORABLE: '只有已接听的通话才能评分', CTI_QA_REVIEW_NOT_FOUND: '评分记录不存在', CTI_BAD_REQUEST: '输入有误：{message}',
    CTI_QA_FORM_INVALID: '评分表设置不一致', CTI_QA_FORM_IN_USE: '已有评分使用此评分表，评分项不能再修改', CTI_QA_NOT_YOURS: '只能查看和回复自己的评分',
    CTI_CONFLICT: '名称已被使用或数据已被他人修改，请刷新后重试', CTI_RECORDING_NOT_CHAINED: '录音的完整性证明尚未生成，请稍后再导出',
    NETWORK: '网络连接失败，请检查网络后重试', unknown: '操作失败（{code}）：{message}',
  },
};

export function t(text, vars = {}) {
  return String(text).replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
}

/** An ApiError as Chinese text. */
export function errorText(e) {
  const code = e?.code ?? '?';
  return t(zh.errors[code] ?? zh.errors.unknown, { code, message: e?.message ?? String(e) });
}
