/** Every word the QA console shows (Simplified Chinese). Code and logs stay in English. */
export const zh = {
  title: '120 质检席 · 录音质检',
  login: { heading: '质检员登录', username: '用户名', password: '密码', submit: '登录', busy: '正在登录…', failed: '登录失败：{msg}', notQa: '此账号没有质检权限' },
  header: { user: '质检员 {user}', logout: '退出登录' },
  tabs: { search: '录音检索', scorecards: '成绩单' },
  search: {
    heading: '录音检索', from: '开始时间', to: '结束时间', caller: '主叫号码', seat: '席位', queue: '队列', minDuration: '最短时长（秒）',
    maxDuration: '最长时长（秒）', minScore: '最低分', maxScore: '最高分', tag: '标签', submit: '检索', reset: '清空',
    arrived: '来电时间', number: '主叫号码', queueCol: '队列', seatCol: '席位', answerWait: '接听等待', talk: '通话时长', duration: '录音时长',
    status: '录音状态', score: '质检得分', open: '播放评分', none: '没有符合条件的录音', withheld: '号码未显示', prev: '上一页', next: '下一页',
    page: '第 {n} 页，本页 {count} 条', loading: '正在检索…',
    statuses: { ready: '可播放', missing: '缺失', failed: '失败', purged: '已清除' },
    reviews: '{n} 次评分',
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
    estimate: '（预估，保存后以系统计算为准）', noTiming: '无此时间数据', comment: '评语', saveDraft: '保存草稿', saveFinal: '提交定稿',
    total: '总分 {score}（{grade}）', status: { draft: '草稿', final: '已定稿' }, saved: '已保存草稿', finalised: '评分已定稿：{score} 分（{grade}）',
    reviewOf: '已有评分：{status}', finalLocked: '定稿后不能再修改（如需更正请联系管理员重开）', missing: '请为每一个人工评分项打分后再定稿',
  },
  cards: {
    heading: '成绩单', form: '评分表', from: '开始日期', to: '结束日期', submit: '查询', dispatcher: '调度员', reviews: '评分次数',
    average: '平均分', min: '最低分', max: '最高分', grade: '等级', team: '团队平均（{n} 人）', none: '此期间没有定稿的评分', unknown: '（未登录席位）',
  },
  errors: {
    CTI_AUTH_REQUIRED: '请先登录', CTI_TOKEN_EXPIRED: '登录已过期，请重新登录', CTI_FORBIDDEN: '没有权限执行此操作',
    CTI_AUTH_INVALID: '用户名或密码错误', CTI_RECORDING_NOT_FOUND: '录音不存在', CTI_CALL_NOT_FOUND: '通话记录不存在',
    CTI_QA_ANSWER_INVALID: '评分不完整或超出分值范围，请检查每一项', CTI_QA_REVIEW_FINAL: '评分已定稿，不能再修改',
    CTI_QA_FORM_NOT_FOUND: '评分表不存在', CTI_QA_FORM_INACTIVE: '评分表已停用，请选择启用中的评分表', CTI_QA_CALL_NOT_SCORABLE: '只有已接听的通话才能评分', CTI_QA_REVIEW_NOT_FOUND: '评分记录不存在', CTI_BAD_REQUEST: '检索条件有误：{message}',
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
