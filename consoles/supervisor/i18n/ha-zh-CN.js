/** Words of the supervisor's primary/backup panel (ha.js), Simplified Chinese. */
export const ha = {
  tab: '主备状态',
  nodesHeading: '节点状态',
  failoversHeading: '主备切换记录',
  refresh: '刷新',
  node: '节点', role: '角色', vip: '浮动地址', link: '节点间链路', replication: '注册/通话同步', reported: '上报时间',
  nodeName: (n) => `节点 ${String(n).toUpperCase()}`,
  roles: { active: '主用（接管呼叫）', standby: '备用', unreachable: '无法联系' },
  vrrp: { MASTER: '持有', BACKUP: '未持有', FAULT: '未持有（已隔离）' },
  links: { true: '正常', false: '中断', null: '—' },
  replicationStates: { active: '正常', pending: '中断', not_active: '中断', disabled: '中断', unknown: '未发现对端', null: '—' },
  notAPair: '本中心为单节点部署，无主备切换。',
  time: '时间', kind: '类型', from: '原主用', to: '新主用', by: '操作人', lease: '接管用时', vipMoved: '地址切换用时', answered: '首个呼叫接通用时',
  kinds: { failover: '故障切换', switchover: '人工切换', start: '启动' },
  system: '系统',
  none: '暂无切换记录',
  ms: (v) => (v === null || v === undefined ? '—' : `${(v / 1000).toLocaleString('zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} 秒`),
};
