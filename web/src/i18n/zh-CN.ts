// Every Chinese string of the console and the message for every API error code (API.md
// "Errors"). The server's `code` never changes; what people read is chosen here.

export const roleNames: Record<string, string> = {
  admin: '系统管理员',
  committee: '机关工委',
  unit: '单位党委',
  branch: '党支部',
  expert: '评审专家',
  auditor: '纪检审计',
}

export const errorMessages: Record<string, string> = {
  bad_request: '请求有误',
  invalid_json: '请求内容不是有效的 JSON',
  invalid_utf8: '请求内容不是有效的 UTF-8 文本',
  invalid_field: '填写的内容有误',
  too_long: '内容超过长度限制',
  unauthorized: '登录已失效，请重新登录',
  invalid_credentials: '用户名或密码错误',
  forbidden: '您没有权限执行此操作',
  conflict_of_interest: '需回避：专家不能评审本单位的品牌',
  csrf: '页面已过期，请刷新后重试',
  not_found: '未找到相应内容',
  method_not_allowed: '不支持的操作',
  illegal_transition: '当前状态下不能执行此操作',
  duplicate: '编号已被占用',
  version_mismatch: '内容已被他人修改，请刷新后重试',
  payload_too_large: '提交的内容过大',
  too_many_attempts: '尝试次数过多，请稍后再试',
  unavailable: '服务暂时不可用，请稍后再试',
  insufficient_storage: '存储空间已满，请联系管理员',
  internal: '服务器内部错误，请联系管理员',
  request_timeout: '请求超时，请重试',
  incomplete_four_haves: '“四有”内容不完整：请填写主题、内涵、特色和成效',
  one_brand_per_branch: '一个支部只能创建一个党建品牌',
  quota_exceeded: '超出名额限制',
  cooling_off: '撤销后两年内不得再次申报',
  scores_missing: '尚有专家未完成评分',
  notice_not_ended: '公示期尚未结束',
  objection_pending: '尚有未处理的异议',
  unknown_criterion: '评分项不在评分细则中',
  score_out_of_range: '分数超出该项分值范围',
  clock_backwards: '时间不能倒退',
  comment_required: '请填写意见（审核意见必填）',
  idempotency_key_reused: '重复提交的请求与原请求不一致',
  last_admin: '这是最后一位启用的系统管理员',
  invalid_org: '所属组织与角色不匹配',
  org_dissolved: '该组织已撤销',
  too_many_tokens: '令牌数量已达上限',
}

export const fieldLabels: Record<string, string> = {
  name: '品牌名称',
  slogan: '口号',
  theme: '主题',
  connotation: '内涵',
  features: '特色',
  effects: '成效',
  business_link: '业务结合点',
  plan: '创建计划',
  comment: '意见',
  reason: '理由',
  password: '密码',
  current: '当前密码',
}

// The brand actions of CONSOLE.md: the button for each action of GET /v1/brands/{id}/actions.
export const actionNames: Record<string, string> = {
  submit: '提交申报',
  approve: '审核通过',
  return: '退回',
  file: '准予备案',
  withdraw: '撤回',
  reopen: '重新培育',
  progress: '年度自评',
  revoke: '撤销命名',
  rectification: '整改结论',
  appeal: '申诉',
  'appeal-decision': '申诉决定',
  cancel: '注销',
  objections: '提出异议',
  edit: '编辑',
}

// What each event of a brand's history says happened (docs/EVENTS.md).
export const eventNames: Record<string, string> = {
  BrandCreated: '创建品牌',
  BrandEdited: '修改内容',
  BrandSubmitted: '提交申报',
  BrandWithdrawn: '撤回',
  BrandReopened: '重新培育',
  BrandApproved: '单位审核通过',
  BrandReturned: '退回修改',
  BrandFiled: '准予备案',
  ProgressReported: '年度自评',
  BrandNominated: '推荐参评',
  ReviewStarted: '进入评审',
  BrandProposed: '拟命名',
  BrandNotSelected: '未入选',
  BrandNoticePublished: '公示',
  ObjectionRaised: '提出异议',
  ObjectionUpheld: '异议成立',
  ObjectionDismissed: '异议不成立',
  BrandNamed: '命名',
  ReReviewStarted: '进入复评',
  ReReviewConcluded: '复评结论',
  RectificationOrdered: '限期整改',
  RevokedByReview: '复评撤销',
  RectificationPassed: '整改合格',
  RectificationFailed: '整改不合格',
  RectificationDeadlineMissed: '整改逾期',
  TitleRevoked: '撤销命名（一票否决）',
  AppealFiled: '提出申诉',
  AppealGranted: '申诉成立',
  AppealRejected: '申诉不成立',
  TitleExpired: '称号到期',
  BrandCancelled: '注销',
  TimerFired: '到期处理',
  RoundOpened: '创建评审批次',
  NominationAdded: '推荐参评',
  ExpertsAssigned: '指派专家',
  ScoringStarted: '开始评分',
  ScoreRecorded: '专家评分',
  RoundClosed: '结束评审',
  RoundNoticePublished: '发布公示',
  RoundFinalized: '确认命名',
  OrgCreated: '新建组织',
  OrgDissolved: '撤销组织',
  SettingsChanged: '修改考核设置',
  UserCreated: '新建用户',
  UserChanged: '修改用户',
  UserDisabled: '停用用户',
  UserEnabled: '启用用户',
  PasswordSet: '设置密码',
  TokenIssued: '签发令牌',
  TokenRevoked: '吊销令牌',
  SessionStarted: '登录',
  SessionEnded: '退出登录',
}

export const roundStates: Record<string, string> = {
  open: '推荐中',
  scoring: '评分中',
  closed: '评审结束',
  notice: '公示中',
  finalized: '已命名',
}

export const outcomeNames: Record<string, string> = {
  selected: '入选',
  not_selected: '未入选',
  promoted: '晋级',
  retained: '保留',
  demoted: '降级',
  rectifying: '限期整改',
  revoked: '撤销',
  not_scored: '评分不足',
}

export const titleNames: Record<string, string> = {
  top10: '十佳',
  demonstration: '示范',
  excellent: '优秀',
}

export const nav = {
  workbench: '工作台',
  brands: '品牌库',
  rounds: '评审批次',
  reReviews: '复评管理',
  audit: '审计追溯',
  reports: '统计报表',
  events: '实时动态',
  admin: '系统管理',
}

// The message people read for an API problem: the server's own Chinese detail (the console
// asks with Accept-Language: zh-CN, and it names the particulars: the fields missing, the
// date a rule lifts), else ours for its code, else whatever the server said.
export function problemMessage(code: string | undefined, detail: string | undefined): string {
  if (detail && /[\u4e00-\u9fff]/.test(detail)) return detail
  if (code && errorMessages[code]) return errorMessages[code]
  return detail || '操作失败'
}
