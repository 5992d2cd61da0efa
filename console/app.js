// 师资库 web console: a small single-page client of /api/v1.
//
// Safety rules kept throughout: every element is built with h() from text
// nodes (never innerHTML), so names and notes typed by users are shown as
// text; the bearer token lives in this tab's sessionStorage and travels
// only in the Authorization header (no cookie, so no cross-site request can
// carry it); nothing is loaded from another origin.
'use strict';

const I18N = {
  zh: {
    app: '师资库 · 授课人员匹配', signin: '登录', signout: '退出', username: '用户名', password: '密码',
    expired: '登录已过期，请重新登录；您的操作会在登录后继续。', badLogin: '用户名或密码错误，或账户已停用。',
    pool: '师资库', plans: '培训计划', recommend: '推荐查询', accounts: '账户管理', mine: '我的授课',
    myBlocks: '我的不可授课时间', profile: '个人信息', changePassword: '修改密码', language: 'English',
    search: '搜索', name: '姓名', kind: '类别', organisation: '单位', title: '职务', tier: '层级', city: '城市',
    rating: '评分', active: '在库', inactive: '已停用', all: '全部', topic: '专长', level: '等级', minLevel: '最低等级',
    prev: '上一页', next: '下一页', page: '第 {0} 页，共 {1} 条', create: '新建', edit: '编辑', save: '保存',
    cancel: '取消', remove: '删除', deactivate: '停用', confirmRemove: '确定删除？', expertise: '专长',
    methods: '授课方式', capacity: '年度课时上限', remoteOk: '接受远程授课', maxTravel: '最远出行公里', phone: '电话',
    email: '邮箱', lat: '纬度', lon: '经度', availability: '不可授课时间', records: '授课记录', ratingHistory: '评分走势（近12个月）',
    evaluations: '测评', conflict: '别人已修改了此记录——请重新加载后再改。', reload: '重新加载',
    start: '开始', end: '结束', note: '说明', add: '添加', year: '年度', plan: '计划', classes: '班次', sessions: '课程',
    kindClass: '班次类别', cadreShare: '干部授课比例下限', startDate: '开始日期', endDate: '结束日期',
    session: '课程', method: '授课方式', remote: '视频授课', needed: '需要人数', topics: '专题与最低等级',
    board: '排课看板', run: '运行排课', timeLimit: '时限（秒）',
    solution_optimal: '已证明最优', solution_time_limit: '到达时限（当前最好方案）',
    warnClassLimit: '本班课次已达上次排课设定的每班上限', weightBalance: '均衡授课权重', balanceHelp: '0 为不考虑；越大，同一教师每多讲一次课代价越高（剩余课时越少越高），任务分给更多教师',
    classLimit: '每班每人最多课次', classLimitHelp: '留空不限；填 2 即同一班次中每位教师至多讲 2 次课，学员能听到更多声音', state: '状态', elapsed: '已用时间', objective: '目标值',
    bound: '上界', gap: '差距', changes: '变更预览', apply: '采纳方案', added: '新增', moved: '调整', dropped: '撤下',
    unchanged: '不变', alternates: '候选人', assign: '指派', replace: '替换', exclude: '排除', lock: '锁定', unlock: '解锁',
    confirm: '确认', accept: '接受', decline: '婉拒', reason: '原因', unfilled: '缺员', nearMisses: '接近人选',
    travel: '差旅', cadreActual: '干部授课 {0} / 目标 {1}', proposed: '拟定', confirmed: '已确认', declined: '已婉拒',
    locked: '已锁定', score: '得分', distance: '距离（公里）', available: '可用', why: '不可用原因',
    noRun: '尚无排课运行。', queued: '排队中', running: '求解中', done: '完成', failed: '失败', cancelled: '已取消',
    stopRun: '停止运行', stopping: '正在停止…', applyCancelled: '这次运行在求出最优方案前被停止了，它的方案可能远非最好。仍然采纳吗？',
    feed: '日历订阅', feedMake: '生成订阅地址', feedRevoke: '停用订阅', feedHint: '将此地址加入日历应用（只显示一次）：',
    contact: '联系方式', whereElse: '还能去哪里授课', instructorId: '授课人员', results: '结果', role: '角色',
    roles: { admin: '系统管理员', planner: '培训计划员', office: '培训办', instructor: '授课人员' },
    states: { proposed: '拟定', confirmed: '已确认', declined: '已婉拒' },
    current: '当前密码', newPassword: '新密码', saved: '已保存。', enable: '启用', disable: '停用', reset: '重置密码',
    linked: '关联授课人员', weightExpertise: '专长权重', weightRating: '评分权重', weightTravel: '差旅权重（每千公里）',
    weightKeep: '保持权重', excludedBy: '排除原因', eligible: '符合条件', applied: '已采纳', openBoard: '打开看板',
    required: '必填', nothing: '无', delivered: '授课时间', mean: '平均分', missing: '缺 {0} 人',
    byClass: '排除整个班次', bySession: '只排除本课程', exclusions: '排除名单', noChanges: '方案与当前安排相同。',
    venue: '地点', when: '时间', kinds: { cadre: '干部', expert: '专家学者', model_figure: '先进典型' },
    evaluation: '现场测评', openEvaluation: '开放测评', openClassEvaluation: '整班开放测评', trainees: '学员人数',
    opensAt: '开放时间', closesAt: '截止时间', printCodes: '打印测评码', downloadSvg: '下载 SVG', print: '打印',
    responses: '回收 {0} / {1}', responseRate: '回收率', quality: '教学质量', myQuality: '我的教学评价',
    formStates: { not_yet_open: '未开放', open: '进行中', closed: '已截止' }, threshold: '低分阈值',
    tooFew: '评价不足 3 份，暂不显示', below: '低于阈值', content: '教学内容', teachingMethod: '教学方法', usefulness: '对工作的帮助', comments: '学员意见',
    exportCsv: '导出 CSV', exportXlsx: '导出 Excel', trend: '走势', trends: { rising: '上升', steady: '平稳', falling: '下降' },
    evaluatedSessions: '测评课程', skipped: '未开放：{0}', codeHint: '手机扫码评价，匿名，限用一次', number: '第 {0} 号',
    skipReasons: { already_open: '已开放', no_confirmed_instructor: '无已确认的授课人员' }, noData: '尚无测评数据。',
    externalId: '编号', importSheet: '导入表格', dryRun: '仅检查，不写入', imported: '新增 {0}，更新 {1}，未变 {2}',
    importPlan: '从表格导入班次和课程', importPlanHint: '每行一门课程：班次名称、城市、纬度、经度、课程名称、日期、时间（如 09:00-12:00 或 上午/下午）、专题（如 办信:3）', importedPlan: '班次 {0} 个，课程 {1} 门',
    ignoredColumns: '未识别的列（已忽略）：{0}', exportPool: '导出', exportPlan: '导出排课表',
    webhooks: '消息推送', url: '接收地址', eventTypes: '推送事件', description: '说明', ping: '发送测试',
    rotate: '更换密钥', rotateHours: '更换签名密钥。旧密钥继续一并签名的小时数（0–168；密钥泄露时填 0，立即停用）：', secretHint: '签名密钥（只显示这一次，请交给接收方保存）：',
    previousUntil: '旧密钥签名至 {0}', failingSince: '自 {0} 起投递失败', deliveries: '投递记录', attempts: '尝试次数',
    lastAttempt: '最近一次', redeliver: '重新投递', createdAt: '产生时间', finishedAt: '结束时间', pinged: '测试消息已排队。', enabled: '启用中', pingEvent: '测试推送', byAdmin: '管理员停用', autoDisabled: '投递全部失败，已自动停用',
    deliveryStates: { pending: '待投递', sending: '投递中', succeeded: '成功', failed: '失败' }, noDeliveries: '尚无投递。',
    offices: '机构管理', office: '所属机构', officeName: '机构名称', officeActive: '正常', newOffice: '新建机构', allOffices: '全部机构', parentOffice: '上级机构', region: '地区', officeCount: '共 {0} 个机构',
    officeTiers: { national: '国家级', provincial: '省级', municipal: '市级', county: '县级' },
    visibility: '共享范围', visibilities: { own: '仅本级', shared: '本级及下级', everyone: '全系统' },
    keptBy: '所属师资库', borrowed: '借用·{0}', borrowedCount: '借用其他机构师资 {0} 人次', activate: '启用',
    importOffices: '从表格导入下级机构', importOfficesHint: '每行一个机构：机构名称、层级（省级/市级/县级）、上级机构（表中另一行的名称或已有机构，留空为本机构）、地区', importedOffices: '机构 {0} 个',
  },
  en: {
    app: 'Faculty pool · instructor matching', signin: 'Sign in', signout: 'Sign out', username: 'Username',
    password: 'Password', expired: 'Your session expired; sign in again and your action continues.',
    badLogin: 'Unknown user, wrong password or disabled account.', pool: 'Pool', plans: 'Plans',
    recommend: 'Recommendations', accounts: 'Accounts', mine: 'My assignments', myBlocks: 'My unavailability',
    profile: 'Profile', changePassword: 'Change password', language: '中文', search: 'Search', name: 'Name',
    kind: 'Kind', organisation: 'Organisation', title: 'Title', tier: 'Tier', city: 'City', rating: 'Rating',
    active: 'Active', inactive: 'Inactive', all: 'All', topic: 'Topic', level: 'Level', minLevel: 'Min level',
    prev: 'Previous', next: 'Next', page: 'Page {0}, {1} in all', create: 'New', edit: 'Edit', save: 'Save',
    cancel: 'Cancel', remove: 'Delete', deactivate: 'Deactivate', confirmRemove: 'Delete it?', expertise: 'Expertise',
    methods: 'Methods', capacity: 'Sessions per year', remoteOk: 'Teaches remotely', maxTravel: 'Max travel km',
    phone: 'Phone', email: 'Email', lat: 'Latitude', lon: 'Longitude', availability: 'Unavailable',
    records: 'Teaching records', ratingHistory: 'Rating, last 12 months', evaluations: 'Evaluations',
    conflict: 'Someone else changed this — reload and edit again.', reload: 'Reload', start: 'Start', end: 'End',
    note: 'Note', add: 'Add', year: 'Year', plan: 'Plan', classes: 'Classes', sessions: 'Sessions',
    kindClass: 'Class kind', cadreShare: 'Min cadre share', startDate: 'Start date', endDate: 'End date',
    session: 'Session', method: 'Method', remote: 'Remote', needed: 'Needed', topics: 'Topics and min levels',
    board: 'Staffing board', run: 'Run staffing', timeLimit: 'Time limit (s)',
    solution_optimal: 'proved optimal', solution_time_limit: 'time limit (best found)',
    warnClassLimit: 'holds as many sessions of this class as the last run allowed', weightBalance: 'Balance weight', balanceHelp: '0 leaves it out; the higher, the more each further session of one teacher costs (more when little of the yearly cap is left), so the work spreads over more people',
    classLimit: 'Most sessions per person per class', classLimitHelp: 'Empty for no limit; 2 means no teacher gives more than 2 sessions of one class, so trainees hear more voices', state: 'State', elapsed: 'Elapsed',
    objective: 'Objective', bound: 'Bound', gap: 'Gap', changes: 'Changes', apply: 'Apply', added: 'Added',
    moved: 'Moved', dropped: 'Dropped', unchanged: 'Unchanged', alternates: 'Alternates', assign: 'Assign', replace: 'Replace',
    exclude: 'Exclude', lock: 'Lock', unlock: 'Unlock', confirm: 'Confirm', accept: 'Accept', decline: 'Decline',
    reason: 'Reason', unfilled: 'Unfilled', nearMisses: 'Near misses', travel: 'Travel',
    cadreActual: 'Cadres {0} / target {1}', proposed: 'Proposed', confirmed: 'Confirmed', declined: 'Declined',
    locked: 'Locked', score: 'Score', distance: 'Distance (km)', available: 'Available', why: 'Why not',
    noRun: 'No staffing run yet.', queued: 'Queued', running: 'Solving', done: 'Done', failed: 'Failed', cancelled: 'Cancelled',
    stopRun: 'Stop the run', stopping: 'Stopping…', applyCancelled: 'This run was stopped before it found the best staffing; its proposal may be far from it. Apply it anyway?',
    feed: 'Calendar feed', feedMake: 'Make a feed URL', feedRevoke: 'Revoke the feed',
    feedHint: 'Add this URL to your calendar application (shown once):', contact: 'Contact',
    whereElse: 'Where else could they teach', instructorId: 'Instructor', results: 'Results', role: 'Role',
    roles: { admin: 'Administrator', planner: 'Planner', office: 'Training office', instructor: 'Instructor' },
    states: { proposed: 'Proposed', confirmed: 'Confirmed', declined: 'Declined' },
    current: 'Current password', newPassword: 'New password', saved: 'Saved.', enable: 'Enable',
    disable: 'Disable', reset: 'Reset password', linked: 'Linked instructor', weightExpertise: 'Expertise weight',
    weightRating: 'Rating weight', weightTravel: 'Travel weight (per 1000 km)', weightKeep: 'Keep weight',
    excludedBy: 'Excluded by', eligible: 'Eligible', applied: 'Applied', openBoard: 'Open board',
    required: 'required', nothing: 'None', delivered: 'Delivered', mean: 'Mean', missing: '{0} missing',
    byClass: 'Exclude from the whole class', bySession: 'Exclude from this session only', exclusions: 'Exclusions',
    noChanges: 'The proposal is the same as today.', venue: 'Venue', when: 'When',
    kinds: { cadre: 'Cadre', expert: 'Expert', model_figure: 'Model figure' },
    evaluation: 'Evaluation', openEvaluation: 'Open evaluation', openClassEvaluation: 'Open for the whole class',
    trainees: 'Trainees', opensAt: 'Opens', closesAt: 'Closes', printCodes: 'Print codes', downloadSvg: 'Download SVG',
    print: 'Print', responses: '{0} of {1} answered', responseRate: 'Response rate', quality: 'Teaching quality',
    myQuality: 'My evaluations', formStates: { not_yet_open: 'Not yet open', open: 'Open', closed: 'Closed' },
    threshold: 'Low-score threshold', below: 'Below threshold', content: 'Content', teachingMethod: 'Method',
    tooFew: 'Fewer than 3 answers: not shown yet', usefulness: 'Usefulness', comments: 'Trainees\' comments', exportCsv: 'Export CSV', exportXlsx: 'Export Excel',
    trend: 'Trend', trends: { rising: 'Rising', steady: 'Steady', falling: 'Falling' }, evaluatedSessions: 'Evaluated sessions',
    skipped: 'Not opened: {0}', codeHint: 'Scan to evaluate; anonymous, single use', number: 'No. {0}',
    skipReasons: { already_open: 'already open', no_confirmed_instructor: 'no confirmed instructor' }, noData: 'No evaluations yet.',
    externalId: 'Office number', importSheet: 'Import a sheet', dryRun: 'Check only, write nothing',
    imported: '{0} created, {1} updated, {2} unchanged',
    importPlan: 'Import classes and sessions from a sheet', importPlanHint: 'One session a row: class, city, latitude, longitude, title, date, time (09:00-12:00 or 上午/下午), topics (办信:3)', importedPlan: '{0} classes, {1} sessions', ignoredColumns: 'Columns not read: {0}', exportPool: 'Export',
    exportPlan: 'Export the staffing',
    webhooks: 'Webhooks', url: 'URL', eventTypes: 'Events', description: 'Description', ping: 'Send a test',
    rotate: 'Rotate secret', rotateHours: 'Rotate the signing secret. Hours the old one keeps signing beside it (0–168; 0 stops it at once, for a leaked secret):',
    secretHint: 'Signing secret (shown this once; give it to the receiver):', previousUntil: 'Old secret signs until {0}',
    failingSince: 'Failing since {0}', deliveries: 'Deliveries', attempts: 'Attempts', lastAttempt: 'Last attempt',
    redeliver: 'Redeliver', createdAt: 'Created', finishedAt: 'Finished', pinged: 'Test event queued.', enabled: 'Enabled', pingEvent: 'Test ping', byAdmin: 'by an admin', autoDisabled: 'its attempts kept failing',
    deliveryStates: { pending: 'Pending', sending: 'Sending', succeeded: 'Succeeded', failed: 'Failed' }, noDeliveries: 'No deliveries yet.',
    offices: 'Offices', office: 'Office', officeName: 'Office name', officeActive: 'Active', newOffice: 'New office', allOffices: 'All offices', parentOffice: 'Parent office', region: 'Region', officeCount: '{0} offices',
    officeTiers: { national: 'National', provincial: 'Provincial', municipal: 'Municipal', county: 'County' },
    visibility: 'Shared with', visibilities: { own: 'Own office only', shared: 'Own and lower offices', everyone: 'Every office' },
    keptBy: 'Kept by', borrowed: 'from {0}', borrowedCount: '{0} places taught by other offices\' instructors', activate: 'Activate',
    importOffices: 'Import lower offices from a sheet', importOfficesHint: 'One office a row: name, tier (省级/市级/县级), parent (another row\'s name or an existing office; empty for this office), region', importedOffices: '{0} offices',
  },
};

let lang = localStorage.getItem('lang') === 'en' ? 'en' : 'zh';

/** The text of `key` in the current language, `{0}`… filled from `args`. */
function t(key, ...args) {
  const text = I18N[lang][key] ?? I18N.zh[key] ?? key;
  return String(text).replace(/\{(\d)\}/g, (_, k) => String(args[Number(k)]));
}

/** An element with attributes (`on…` are listeners) and text or element children. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/* ---------- session and API ---------- */

const auth = {
  get token() { return sessionStorage.getItem('token'); },
  set token(v) { if (v) sessionStorage.setItem('token', v); else sessionStorage.removeItem('token'); },
  me: null,
};

class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the API; on 401 asks the user to sign in again and retries once. */
async function api(method, path, body, extra = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { accept: 'application/json' };
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    if (body !== undefined) headers['content-type'] = extra.raw ? (body.type || 'application/octet-stream') : 'application/json';
    if (extra.ifMatch !== undefined) headers['if-match'] = `"${extra.ifMatch}"`;
    const response = await fetch(path, {
      method, headers, body: body === undefined || extra.raw ? body : JSON.stringify(body),
    });
    if (response.status === 401 && auth.token && attempt === 0) {
      await signInAgain();
      continue;
    }
    if (response.status === 204) return null;
    if (extra.blob && response.ok) return response.blob();
    const type = response.headers.get('content-type') || '';
    const data = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) throw new Problem(response.status, typeof data === 'object' ? data : { detail: data });
    return data;
  }
}

async function signIn(username, password) {
  const token = await api('POST', '/api/v1/auth/token', { username, password });
  auth.token = token.access_token;
  officeTree.list = null;
  auth.me = await api('GET', '/api/v1/me');
}

/** The sign-in form over the current page; resolves once signed in again. */
function signInAgain() {
  return new Promise((resolve) => {
    const overlay = document.getElementById('overlay');
    overlay.replaceChildren(h('div', { class: 'dialog', role: 'dialog' },
      h('p', { class: 'notice' }, t('expired')),
      loginForm(async () => { overlay.hidden = true; overlay.replaceChildren(); resolve(); }, auth.me?.username)));
    overlay.hidden = false;
  });
}

function loginForm(done, username) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, value: username || '' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'error', role: 'alert' });
  return h('form', {
    class: 'login', id: 'login',
    onsubmit: async (e) => {
      e.preventDefault();
      message.textContent = '';
      try {
        auth.token = null;
        await signIn(user.value, pass.value);
        await done();
      } catch (err) {
        message.textContent = err.status === 401 ? t('badLogin') : err.message;
      }
    },
  }, field(t('username'), user), field(t('password'), pass), h('button', { type: 'submit' }, t('signin')), message);
}

/* ---------- small building blocks ---------- */

function field(label, input) { return h('label', { class: 'field' }, h('span', {}, label), input); }

function input(name, value, attrs = {}) {
  return h('input', { name, value: value ?? '', ...attrs });
}

function select(name, options, value) {
  return h('select', { name }, options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, label)));
}

function button(label, onclick, attrs = {}) {
  return h('button', { type: 'button', onclick: guard(onclick), ...attrs }, label);
}

/** Runs an action, showing its problem (with field errors) instead of failing silently. */
function guard(action) {
  return async (event) => {
    try { await action(event); } catch (err) { showProblem(err); }
  };
}

function showProblem(err) {
  let where = document.getElementById('problem');
  if (!where) {
    where = h('div', { id: 'problem' });
    document.getElementById('main').prepend(where);
  }
  const body = err.body || {};
  const conflict = err.status === 412 || (err.status === 409 && /version/.test(body.type || ''));
  where.replaceChildren(h('div', { class: 'error', role: 'alert' },
    conflict ? [t('conflict'), ' ', button(t('reload'), () => render())] : (body.title ? `${body.title}: ` : '') + (body.detail || err.message),
    (body.errors || []).length ? h('ul', {}, body.errors.map((e) => h('li', {}, `${e.field}: ${e.detail} (${e.rule})`))) : null));
  where.scrollIntoView({ block: 'nearest' });
}

function clearProblem() { document.getElementById('problem')?.replaceChildren(); }

/** Times are shown and typed in China Standard Time (UTC+8, no daylight
 * saving) wherever the browser is: the plans, sessions and blocks are set in it. */
const ZONE = 'Asia/Shanghai';
const ZONE_MS = 8 * 3600e3;
/** The wall-clock parts of an instant in China Standard Time, as a UTC Date. */
const china = (instant) => new Date(new Date(instant).getTime() + ZONE_MS);

const fmt = {
  time: (iso) => (iso ? new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short', timeZone: ZONE }) : ''),
  num: (x, d = 3) => (x === null || x === undefined ? '' : Number(x).toFixed(d)),
  pct: (x) => `${(100 * x).toFixed(3)}%`,
};

/** A datetime-local value of an ISO time in China Standard Time, and back to RFC 3339. */
function localInput(iso) {
  if (!iso) return '';
  return china(iso).toISOString().slice(0, 16);
}
function rfc3339(local) { return `${local.slice(0, 16)}:00+08:00`; }

const vocabulary = { topics: null, methods: null };
async function loadVocabulary() {
  if (!vocabulary.topics) {
    vocabulary.topics = await api('GET', '/api/v1/topics');
    vocabulary.methods = await api('GET', '/api/v1/teaching-methods');
  }
  return vocabulary;
}
const topicName = (code) => (lang === 'zh' ? vocabulary.topics?.find((x) => x.code === code)?.name : null) || code;
/**
 * Topics with levels as an office types them (`办信:4；接访:3`, by code or
 * Chinese name, `；;,，` between, `:：` before the level), as `{topic, [key]}`;
 * a missing level is `fallback`.
 */
function topicLevels(text, key, fallback) {
  return text.split(/[；;,，]/).map((v) => v.trim()).filter(Boolean).map((v) => {
    const [topic, level] = v.split(/[:：]/).map((x) => x.trim());
    const code = vocabulary.topics.find((y) => y.code === topic || y.name === topic)?.code || topic;
    return { topic: code, [key]: Number(level || fallback) };
  });
}
const kindName = (code) => I18N[lang].kinds[code] || code;
const tierName = (code) => I18N[lang].officeTiers[code] || code;
const visibilityName = (code) => I18N[lang].visibilities[code] || code;

/** The offices of the signed-in account's subtree (depth first), read once
 * per sign-in and again after a change; none for an instructor. */
const officeTree = { list: null };
async function offices() {
  if (auth.me.role === 'instructor') return [];
  officeTree.list ??= await api('GET', '/api/v1/offices');
  return officeTree.list;
}
const officeName = (list, id) => list.find((o) => o.id === id)?.name || id;

/* ---------- pages ---------- */

const ROUTES = [
  [/^#\/pool$/, ['admin', 'planner', 'office'], poolPage],
  [/^#\/instructors\/new$/, ['admin', 'planner'], () => instructorForm(null)],
  [/^#\/instructors\/([^/]+)\/edit$/, ['admin', 'planner'], (id) => instructorForm(id)],
  [/^#\/instructors\/([^/]+)$/, ['admin', 'planner', 'office'], instructorPage],
  [/^#\/plans$/, ['admin', 'planner', 'office'], plansPage],
  [/^#\/plans\/([^/]+)$/, ['admin', 'planner', 'office'], planPage],
  [/^#\/plans\/([^/]+)\/board$/, ['admin', 'planner', 'office'], boardPage],
  [/^#\/plans\/([^/]+)\/quality$/, ['admin', 'planner', 'office'], qualityPage],
  [/^#\/sessions\/([^/]+)\/codes$/, ['admin', 'planner'], codesPage],
  [/^#\/recommend$/, ['admin', 'planner', 'office'], recommendPage],
  [/^#\/accounts$/, ['admin'], accountsPage],
  [/^#\/offices$/, ['admin'], officesPage],
  [/^#\/webhooks$/, ['admin'], webhooksPage],
  [/^#\/webhooks\/([^/]+)$/, ['admin'], deliveriesPage],
  [/^#\/mine$/, ['instructor'], minePage],
  [/^#\/blocks$/, ['instructor'], blocksPage],
  [/^#\/quality$/, ['instructor'], () => myQualityPage()],
  [/^#\/profile$/, ['admin', 'planner', 'office', 'instructor'], profilePage],
];

const HOME = { admin: '#/plans', planner: '#/plans', office: '#/recommend', instructor: '#/mine' };

function nav() {
  const role = auth.me?.role;
  const links = {
    admin: [['#/plans', 'plans'], ['#/pool', 'pool'], ['#/recommend', 'recommend'], ['#/offices', 'offices'], ['#/accounts', 'accounts'], ['#/webhooks', 'webhooks']],
    planner: [['#/plans', 'plans'], ['#/pool', 'pool'], ['#/recommend', 'recommend']],
    office: [['#/recommend', 'recommend'], ['#/pool', 'pool'], ['#/plans', 'plans']],
    instructor: [['#/mine', 'mine'], ['#/blocks', 'myBlocks'], ['#/quality', 'myQuality']],
  }[role] || [];
  document.getElementById('top').replaceChildren(
    h('span', { class: 'brand' }, t('app')),
    h('nav', {}, links.map(([href, key]) => h('a', { href, class: location.hash.startsWith(href) ? 'here' : null }, t(key)))),
    h('span', { class: 'who' },
      auth.me ? [h('span', { id: 'office-name', title: tierName(auth.me.office.tier) }, auth.me.office.name), ' · ',
        h('a', { href: '#/profile' }, `${auth.me.username}（${I18N[lang].roles[auth.me.role]}）`), ' ',
        button(t('signout'), () => { auth.token = null; auth.me = null; officeTree.list = null; location.hash = '#/'; render(); })] : null,
      ' ', button(t('language'), () => { lang = lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('lang', lang); document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'; render(); }, { id: 'language' })));
}

async function render() {
  const main = document.getElementById('main');
  if (auth.token && !auth.me) {
    try { auth.me = await api('GET', '/api/v1/me'); } catch { auth.token = null; }
  }
  nav();
  if (!auth.me) {
    main.replaceChildren(h('section', { class: 'narrow' }, h('h1', {}, t('signin')), loginForm(async () => { if (!ROUTES.some(([re]) => re.test(location.hash))) location.hash = HOME[auth.me.role]; else render(); })));
    return;
  }
  const route = ROUTES.find(([re]) => re.test(location.hash));
  if (!route || !route[1].includes(auth.me.role)) { location.hash = HOME[auth.me.role]; return; }
  const args = location.hash.match(route[0]).slice(1).map(decodeURIComponent);
  try {
    await loadVocabulary();
    const page = await route[2](...args);
    main.replaceChildren(...[h('div', { id: 'problem' }), notice && h('p', { class: 'notice', id: 'notice' }, notice), page].filter(Boolean));
    notice = null;
    // After the frame that shows the page has been painted: the board benchmark reads this mark.
    requestAnimationFrame(() => requestAnimationFrame(() => performance.mark('page-drawn')));
  } catch (err) {
    main.replaceChildren(h('div', { id: 'problem' }));
    showProblem(err);
  }
}

/* pool */

const poolQuery = { q: '', kind: '', topic: '', min_level: '', active: 'true', page: 1 };

async function poolPage() {
  const params = new URLSearchParams(Object.entries(poolQuery).filter(([, v]) => v !== '' && v !== null).map(([k, v]) => [k, String(v)]));
  params.set('per_page', '25');
  const list = await api('GET', `/api/v1/instructors?${params}`);
  const q = input('q', poolQuery.q, { type: 'search', placeholder: t('search') });
  const kind = select('kind', [['', t('all')], ...Object.keys(I18N[lang].kinds).map((k) => [k, kindName(k)])], poolQuery.kind);
  const topic = select('topic', [['', t('all')], ...vocabulary.topics.map((x) => [x.code, topicName(x.code)])], poolQuery.topic);
  const level = select('min_level', [['', '—'], ...[1, 2, 3, 4, 5].map((n) => [n, n])], poolQuery.min_level);
  const active = select('active', [['true', t('active')], ['false', t('inactive')], ['', t('all')]], poolQuery.active);
  const go = (page) => { Object.assign(poolQuery, { q: q.value, kind: kind.value, topic: topic.value, min_level: level.value, active: active.value, page }); render(); };
  const pages = Math.max(1, Math.ceil(list.total / list.per_page));
  return h('section', {},
    h('h1', {}, t('pool')),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); go(1); } },
      field(t('search'), q), field(t('kind'), kind), field(t('topic'), topic), field(t('minLevel'), level), field(t('state'), active),
      h('button', { type: 'submit' }, t('search')),
      ['admin', 'planner'].includes(auth.me.role) ? h('a', { class: 'button', href: '#/instructors/new' }, t('create')) : null),
    h('table', { class: 'list', id: 'pool' },
      h('thead', {}, h('tr', {}, [t('name'), t('kind'), t('organisation'), t('city'), t('expertise'), t('rating'), t('keptBy'), t('visibility')].map((x) => h('th', {}, x)))),
      h('tbody', {}, list.items.map((i) => h('tr', { 'data-instructor': i.id },
        h('td', {}, h('a', { href: `#/instructors/${encodeURIComponent(i.id)}` }, i.name)),
        h('td', {}, kindName(i.kind)), h('td', {}, i.organisation), h('td', {}, i.city),
        h('td', {}, i.expertise.map((e) => `${topicName(e.topic)} ${e.level}`).join('；')),
        h('td', { class: 'num' }, fmt.num(i.rating.rating)),
        h('td', { class: i.owner_office === auth.me.office.id ? null : 'other-office' }, i.owner_office_name),
        h('td', {}, visibilityName(i.visibility)))))),
    h('p', { class: 'pager' }, button(t('prev'), () => go(poolQuery.page - 1), { disabled: poolQuery.page <= 1 }),
      ` ${t('page', list.page, list.total)} `, button(t('next'), () => go(poolQuery.page + 1), { disabled: poolQuery.page >= pages })),
    poolSheets());
}

/** Export the pool as CSV or XLSX; planners import an office's sheet (checked first if asked). */
function poolSheets() {
  const exporter = (format) => button(`${t('exportPool')} ${format.toUpperCase()}`, () => download(`/api/v1/pool/export?active=true&format=${format}`, `${t('pool')}.${format}`), { id: `export-pool-${format}` });
  return h('div', { class: 'panel' },
    h('p', {}, exporter('csv'), ' ', exporter('xlsx')),
    ['admin', 'planner'].includes(auth.me.role) ? sheetForm('import', '/api/v1/pool/import', (r) => t('imported', r.created, r.updated, r.unchanged)) : null);
}

/** An office's sheet sent to `path`: checked only (a dry run, ticked by default) or imported; `summarize` words the report. */
function sheetForm(id, path, summarize) {
  const file = h('input', { type: 'file', name: 'sheet', accept: '.csv,.xlsx,text/csv', required: true });
  const dry = h('input', { type: 'checkbox', name: 'dry_run', checked: true });
  const out = h('div', { id: `${id}-report`, role: 'status' });
  return [h('form', { class: 'inline', id: `${id}-form`, onsubmit: guard(async (e) => {
    e.preventDefault();
    const report = await api('POST', `${path}?dry_run=${dry.checked}`, file.files[0], { raw: true });
    const summary = [summarize(report),
      report.ignored_columns.length ? t('ignoredColumns', report.ignored_columns.join('、')) : ''].join(' ');
    if (report.dry_run) out.replaceChildren(`${t('dryRun')}：${summary}`);
    else { notice = `${t('saved')} ${summary}`; render(); }
  }) }, field(t('importSheet'), file), field(t('dryRun'), dry), h('button', { type: 'submit' }, t('importSheet'))), out];
}

async function instructorPage(id) {
  const path = `/api/v1/instructors/${encodeURIComponent(id)}`;
  const [i, blocks, records] = await Promise.all([api('GET', path), api('GET', `${path}/unavailability`), api('GET', `${path}/teaching-records`)]);
  // Planners edit the records their office or an office below it keeps.
  const planner = ['admin', 'planner'].includes(auth.me.role) && (await offices()).some((o) => o.id === i.owner_office);
  // The rating at the end of each of the last 12 months, by the API's own formula.
  const quality = await api('GET', `${path}/quality?months=12`);
  const mine = await api('GET', `/api/v1/assignments?instructor=${encodeURIComponent(id)}`);
  return h('section', {},
    h('h1', {}, i.name, ' ', h('small', {}, [kindName(i.kind), i.organisation, i.title].filter(Boolean).join(' · '))),
    planner ? h('p', {}, h('a', { class: 'button', href: `#/instructors/${encodeURIComponent(id)}/edit` }, t('edit')), ' ',
      i.active ? button(t('deactivate'), async () => { if (confirm(t('deactivate') + '?')) { await api('DELETE', path); render(); } }, { id: 'deactivate' }) : h('span', { class: 'tag' }, t('inactive'))) : null,
    h('dl', { class: 'facts' },
      fact(t('keptBy'), i.owner_office_name), fact(t('visibility'), visibilityName(i.visibility)),
      fact(t('city'), `${i.city} (${i.lat}, ${i.lon})`), fact(t('tier'), i.tier_name || i.tier || '—'),
      fact(t('expertise'), i.expertise.map((e) => `${topicName(e.topic)} ${e.level}`).join('；') || '—'),
      fact(t('methods'), i.methods.map((m) => (lang === 'zh' ? m.name : m.method)).join('、') || '—'),
      fact(t('capacity'), i.yearly_capacity), fact(t('remoteOk'), i.remote_ok ? '✓' : '✗'),
      fact(t('maxTravel'), i.max_travel_km ?? '—'), fact(t('phone'), i.phone || '—'), fact(t('email'), i.email || '—'),
      fact(t('rating'), `${fmt.num(i.rating.rating)}（${t('evaluations')} ${i.rating.evaluation_count}${i.rating.mean_score ? `，${t('mean')} ${fmt.num(i.rating.mean_score, 2)}` : ''}）`)),
    qualitySummary(quality),
    h('h2', {}, t('availability')), calendar(blocks, mine),
    planner ? blockForm(`${path}/unavailability`) : null,
    h('ul', { class: 'blocks' }, blocks.map((b) => h('li', {}, `${fmt.time(b.start)} – ${fmt.time(b.end)} ${b.note}`, ' ',
      planner ? button(t('remove'), async () => { await api('DELETE', `${path}/unavailability/${b.id}`); render(); }) : null))),
    h('h2', {}, t('records')),
    h('table', { class: 'list' }, h('tr', {}, [t('session'), t('delivered'), t('evaluations'), t('mean')].map((x) => h('th', {}, x))),
      records.map((r) => h('tr', {}, h('td', {}, r.plan ? h('a', { href: `#/plans/${encodeURIComponent(r.plan)}` }, r.title) : r.title), h('td', {}, fmt.time(r.delivered_at)), h('td', { class: 'num' }, r.evaluation_count), h('td', { class: 'num' }, r.shown ? fmt.num(r.mean_score, 2) : t('tooFew'))))),
    h('h2', {}, t('whereElse')), await opportunities(id));
}

function fact(label, value) { return [h('dt', {}, label), h('dd', {}, value)]; }

function sparkline(points) {
  const w = 320, hgt = 80, pad = 6;
  const svg = s('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'spark', role: 'img', 'aria-label': t('ratingHistory') });
  const x = (k) => pad + (k * (w - 2 * pad)) / Math.max(1, points.length - 1);
  const y = (r) => hgt - pad - r * (hgt - 2 * pad);
  svg.append(s('polyline', { points: points.map((p, k) => `${x(k)},${y(p.rating)}`).join(' '), fill: 'none', class: 'line' }));
  points.forEach((p, k) => {
    const dot = s('circle', { cx: x(k), cy: y(p.rating), r: 2.5, class: 'dot' });
    const title = s('title', {});
    title.textContent = `${p.month}: ${fmt.num(p.rating)} (${p.evaluation_count})`;
    dot.append(title);
    svg.append(dot);
  });
  return svg;
}

/** A three-month calendar: days with unavailability and with assignments marked. */
function calendar(blocks, assignments) {
  const today = china(Date.now());
  const months = [0, 1, 2].map((k) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + k, 1)));
  // A day runs from its midnight in China Standard Time for 24 hours.
  const covers = (day, start, end) => {
    const from = day.getTime() - ZONE_MS;
    return new Date(start).getTime() < from + 864e5 && new Date(end).getTime() > from;
  };
  return h('div', { class: 'calendar' }, months.map((first) => {
    const days = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    const cells = [];
    for (let k = 0; k < (first.getUTCDay() + 6) % 7; k++) cells.push(h('span', {}));
    for (let d = 1; d <= days; d++) {
      const day = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), d));
      const blocked = blocks.filter((b) => covers(day, b.start, b.end));
      const teaching = assignments.filter((a) => a.state !== 'declined' && covers(day, a.start, a.end));
      cells.push(h('span', { class: ['day', blocked.length ? 'blocked' : '', teaching.length ? 'teaching' : ''].join(' '), title: [...blocked.map((b) => b.note), ...teaching.map((a) => a.session_title)].join('；') || null }, d));
    }
    return h('div', { class: 'month' }, h('h3', {}, first.toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: 'long', timeZone: 'UTC' })), h('div', { class: 'days' }, cells));
  }));
}

function blockForm(path) {
  const start = input('start', '', { type: 'datetime-local', required: true });
  const end = input('end', '', { type: 'datetime-local', required: true });
  const note = input('note', '', { maxlength: 500 });
  return h('form', { class: 'inline', id: 'block-form', onsubmit: guard(async (e) => { e.preventDefault(); await api('POST', path, { start: rfc3339(start.value), end: rfc3339(end.value), note: note.value }); render(); }) },
    field(t('start'), start), field(t('end'), end), field(t('note'), note), h('button', { type: 'submit' }, t('add')));
}

async function opportunities(id) {
  const found = await api('GET', `/api/v1/instructors/${encodeURIComponent(id)}/opportunities?limit=10`);
  if (!found.length) return h('p', {}, t('nothing'));
  return h('table', { class: 'list' }, h('tr', {}, [t('session'), t('classes'), t('when'), t('score'), t('distance')].map((x) => h('th', {}, x))),
    found.map((o) => h('tr', {}, h('td', {}, o.session.title), h('td', {}, `${o.class_name} · ${o.city}`), h('td', {}, fmt.time(o.session.start)), h('td', { class: 'num' }, fmt.num(o.score)), h('td', { class: 'num' }, fmt.num(o.distance_km, 0)))));
}

async function instructorForm(id) {
  const path = id ? `/api/v1/instructors/${encodeURIComponent(id)}` : null;
  const i = id ? await api('GET', path) : { kind: 'cadre', expertise: [], methods: [], yearly_capacity: 12, remote_ok: false, owner_office: auth.me.office.id, visibility: 'shared' };
  const keepers = (await offices()).filter((o) => o.active || o.id === i.owner_office);
  const f = {
    external_id: input('external_id', i.external_id, { maxlength: 64 }),
    name: input('name', i.name, { required: true, maxlength: 200 }),
    kind: select('kind', Object.keys(I18N[lang].kinds).map((k) => [k, kindName(k)]), i.kind),
    organisation: input('organisation', i.organisation), title: input('title', i.title),
    tier: select('tier', [['', '—'], ['national', '国家级'], ['provincial', '省级'], ['municipal', '市级'], ['county', '县级']], i.tier),
    city: input('city', i.city, { required: true }), lat: input('lat', i.lat, { type: 'number', step: 'any', required: true }),
    lon: input('lon', i.lon, { type: 'number', step: 'any', required: true }),
    expertise: input('expertise', i.expertise.map((e) => `${e.topic}:${e.level}`).join('；'), { placeholder: 'letter_handling:4；…' }),
    methods: input('methods', i.methods.map((m) => m.method).join(',')),
    yearly_capacity: input('yearly_capacity', i.yearly_capacity, { type: 'number', min: 0 }),
    remote_ok: h('input', { type: 'checkbox', name: 'remote_ok', checked: i.remote_ok }),
    max_travel_km: input('max_travel_km', i.max_travel_km, { type: 'number', min: 0 }),
    phone: input('phone', i.phone), email: input('email', i.email),
    owner_office: select('owner_office', keepers.map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}`]), i.owner_office),
    visibility: select('visibility', Object.keys(I18N[lang].visibilities).map((v) => [v, visibilityName(v)]), i.visibility),
  };
  const body = () => ({
    external_id: f.external_id.value.trim() || null, name: f.name.value, kind: f.kind.value, organisation: f.organisation.value, title: f.title.value,
    tier: f.tier.value || null, city: f.city.value, lat: Number(f.lat.value), lon: Number(f.lon.value),
    expertise: topicLevels(f.expertise.value, 'level'),
    methods: f.methods.value.split(/[,，、]/).map((x) => x.trim()).filter(Boolean),
    yearly_capacity: Number(f.yearly_capacity.value), remote_ok: f.remote_ok.checked,
    max_travel_km: f.max_travel_km.value === '' ? null : Number(f.max_travel_km.value),
    phone: f.phone.value || null, email: f.email.value || null,
    owner_office: f.owner_office.value, visibility: f.visibility.value,
  });
  return h('section', {}, h('h1', {}, id ? `${t('edit')}：${i.name}` : t('create')),
    h('form', { class: 'grid', id: 'instructor-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const saved = id ? await api('PUT', path, body(), { ifMatch: i.version }) : await api('POST', '/api/v1/instructors', body());
      location.hash = `#/instructors/${encodeURIComponent(saved.id)}`;
    }) },
    Object.entries(f).map(([k, el]) => field(t({ yearly_capacity: 'capacity', remote_ok: 'remoteOk', max_travel_km: 'maxTravel', external_id: 'externalId', owner_office: 'keptBy' }[k] || k), el)),
    h('button', { type: 'submit' }, t('save')), ' ', h('a', { href: id ? `#/instructors/${encodeURIComponent(id)}` : '#/pool' }, t('cancel'))));
}

/* plans */

/** Which office's plans the list shows ('' for every office of the subtree). */
const planQuery = { office: '' };

async function plansPage() {
  const [all, tree] = await Promise.all([api('GET', '/api/v1/plans'), offices()]);
  const planner = ['admin', 'planner'].includes(auth.me.role);
  const plans = all.filter((p) => !planQuery.office || p.office === planQuery.office);
  // A higher office chooses whose plans to look at: its own or an office's below it.
  const chooser = tree.length > 1 ? field(t('office'), h('select', { id: 'plan-office', onchange: (e) => { planQuery.office = e.target.value; render(); } },
    [['', t('allOffices')], ...tree.map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}（${all.filter((p) => p.office === o.id).length}）`])].map(([v, label]) => h('option', { value: v, selected: v === planQuery.office }, label)))) : null;
  return h('section', {}, h('h1', {}, t('plans')), chooser,
    h('table', { class: 'list', id: 'plans' }, h('tr', {}, [t('plan'), t('year'), t('tier'), t('office'), ''].map((x) => h('th', {}, x))),
      plans.map((p) => h('tr', { 'data-plan': p.id }, h('td', {}, h('a', { href: `#/plans/${p.id}` }, p.name)), h('td', {}, p.year), h('td', {}, p.tier_name || p.tier),
        h('td', {}, officeName(tree, p.office)),
        h('td', {}, h('a', { href: `#/plans/${p.id}/board` }, t('board')))))),
    planner ? planForm(null) : null);
}

function planForm(plan) {
  const name = input('name', plan?.name, { required: true, maxlength: 200 });
  const year = input('year', plan?.year ?? new Date().getFullYear() + 1, { type: 'number', min: 2000, max: 2100 });
  const tier = select('tier', [['provincial', '省级'], ['national', '国家级'], ['municipal', '市级'], ['county', '县级']], plan?.tier);
  return h('form', { class: 'inline', id: 'plan-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const body = { name: name.value, year: Number(year.value), tier: tier.value };
    const saved = plan ? await api('PUT', `/api/v1/plans/${plan.id}`, body) : await api('POST', '/api/v1/plans', body);
    if (plan) render(); else location.hash = `#/plans/${saved.id}`;
  }) }, field(t('plan'), name), field(t('year'), year), field(t('tier'), tier), h('button', { type: 'submit' }, plan ? t('save') : t('create')));
}

async function planPage(id) {
  const plan = await api('GET', `/api/v1/plans/${encodeURIComponent(id)}`);
  const planner = ['admin', 'planner'].includes(auth.me.role);
  return h('section', {},
    h('h1', {}, plan.name, ' ', h('small', {}, `${plan.year} · ${plan.tier_name || plan.tier}`), ' ', h('a', { class: 'button', href: `#/plans/${id}/board`, id: 'open-board' }, t('openBoard'))),
    planner ? [planForm(plan), button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/plans/${id}`); location.hash = '#/plans'; } }, { id: 'remove-plan' })] : null,
    h('h2', {}, t('classes')),
    plan.classes.map((c) => h('article', { class: 'class', 'data-class': c.id },
      h('h3', {}, c.name, ' ', h('small', {}, `${c.kind_name || c.kind} · ${c.city} · ${c.start_date} – ${c.end_date}`)),
      planner ? [classForm(id, c), button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/classes/${c.id}`); render(); } }, { class: 'remove-class' })] : null,
      h('table', { class: 'list' }, c.sessions.map((x) => h('tr', { 'data-session': x.id },
        h('td', {}, fmt.time(x.start)), h('td', {}, x.title), h('td', {}, x.topics.map((tp) => `${topicName(tp.topic)}≥${tp.min_level}`).join('；')),
        h('td', {}, x.remote ? t('remote') : ''), h('td', {}, `×${x.needed}`),
        planner ? h('td', {}, button(t('edit'), (e) => e.target.closest('tr').after(h('tr', {}, h('td', { colspan: 6 }, sessionForm(c, x))))), ' ',
          button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/sessions/${x.id}`); render(); } }, { class: 'remove-session' })) : null))),
      planner ? sessionForm(c, null) : null)),
    planner ? [h('h3', {}, `${t('create')}：${t('classes')}`), classForm(id, null),
      h('h3', {}, t('importPlan')), h('p', {}, t('importPlanHint')),
      sheetForm('plan-import', `/api/v1/plans/${encodeURIComponent(id)}/import`,
        (r) => t('importedPlan', r.classes.length, r.classes.reduce((n, c) => n + c.sessions.length, 0)))] : null);
}

function classForm(planId, c) {
  const f = {
    name: input('name', c?.name, { required: true }),
    kind: select('kind', [['comprehensive', lang === 'zh' ? '综合类' : 'Comprehensive'], ['specialised', lang === 'zh' ? '专题业务类' : 'Specialised']], c?.kind),
    city: input('city', c?.city, { required: true }), lat: input('lat', c?.lat, { type: 'number', step: 'any', required: true }),
    lon: input('lon', c?.lon, { type: 'number', step: 'any', required: true }),
    start_date: input('start_date', c?.start_date, { type: 'date', required: true }), end_date: input('end_date', c?.end_date, { type: 'date', required: true }),
    min_cadre_share: input('min_cadre_share', c?.min_cadre_share ?? 0.5, { type: 'number', step: '0.05', min: 0, max: 1 }),
  };
  const labels = { name: 'classes', start_date: 'startDate', end_date: 'endDate', min_cadre_share: 'cadreShare', kind: 'kindClass' };
  return h('form', { class: 'inline class-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const body = { name: f.name.value, kind: f.kind.value, city: f.city.value, lat: Number(f.lat.value), lon: Number(f.lon.value), start_date: f.start_date.value, end_date: f.end_date.value, min_cadre_share: Number(f.min_cadre_share.value) };
    if (c) await api('PUT', `/api/v1/classes/${c.id}`, body); else await api('POST', `/api/v1/plans/${planId}/classes`, body);
    render();
  }) }, Object.entries(f).map(([k, el]) => field(t(labels[k] || k), el)), h('button', { type: 'submit' }, c ? t('save') : t('add')));
}

function sessionForm(c, x) {
  const f = {
    title: input('title', x?.title, { required: true }),
    start: input('start', x ? localInput(x.start) : `${c.start_date}T09:00`, { type: 'datetime-local', required: true }),
    end: input('end', x ? localInput(x.end) : `${c.start_date}T12:00`, { type: 'datetime-local', required: true }),
    topics: input('topics', x ? x.topics.map((tp) => `${tp.topic}:${tp.min_level}`).join('；') : '', { required: true, placeholder: 'letter_handling:3' }),
    method: select('method', [['', '—'], ...vocabulary.methods.map((m) => [m.code ?? m.method, m.name])], x?.method),
    remote: h('input', { type: 'checkbox', name: 'remote', checked: x?.remote }),
    needed: input('needed', x?.needed ?? 1, { type: 'number', min: 1 }),
  };
  return h('form', { class: 'inline session-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const topics = topicLevels(f.topics.value, 'min_level', 1);
    const body = { title: f.title.value, start: rfc3339(f.start.value), end: rfc3339(f.end.value), topics, method: f.method.value || null, remote: f.remote.checked, needed: Number(f.needed.value) };
    if (x) await api('PUT', `/api/v1/sessions/${x.id}`, body); else await api('POST', `/api/v1/classes/${c.id}/sessions`, body);
    render();
  }) }, Object.entries(f).map(([k, el]) => field(t(k === 'title' ? 'session' : k === 'topics' ? 'topics' : k), el)), h('button', { type: 'submit' }, x ? t('save') : t('add')));
}

/* the staffing board */

async function boardPage(id) {
  const enc = encodeURIComponent(id);
  const [plan, assignments, runs, exclusions, forms] = await Promise.all([
    api('GET', `/api/v1/plans/${enc}`), api('GET', `/api/v1/assignments?plan=${enc}`),
    api('GET', `/api/v1/plans/${enc}/staffing-runs`), api('GET', `/api/v1/plans/${enc}/exclusions`),
    api('GET', `/api/v1/plans/${enc}/evaluations`)]);
  const formOf = new Map(forms.map((f) => [f.session, f]));
  const latest = runs[0] ? await api('GET', `/api/v1/staffing-runs/${runs[0].id}`) : null;
  const planner = ['admin', 'planner'].includes(auth.me.role);
  const bySession = new Map();
  for (const a of assignments) { if (!bySession.has(a.session)) bySession.set(a.session, []); bySession.get(a.session).push(a); }
  const unfilled = new Map((latest?.solution?.unfilled || []).map((u) => [u.session, u]));
  const travel = new Map();
  for (const trip of latest?.solution?.trips || []) travel.set(trip.class, (travel.get(trip.class) || 0) + trip.distance_km);
  const classes = [...plan.classes].sort((a, b) => a.start_date.localeCompare(b.start_date) || a.name.localeCompare(b.name));
  const borrowed = assignments.filter((a) => a.state !== 'declined' && a.instructor_office !== plan.office).length;
  return h('section', { id: 'board' },
    h('h1', {}, `${t('board')}：${plan.name}`, ' ', h('small', {}, h('a', { href: `#/plans/${enc}` }, t('edit')), ' · ',
      h('a', { href: `#/plans/${enc}/quality`, id: 'open-quality' }, t('quality')), ' · ',
      button(t('exportPlan'), () => download(`/api/v1/plans/${enc}/export?format=xlsx`, `${plan.name}-排课表.xlsx`), { class: 'mini', id: 'export-plan' }))),
    planner ? runPanel(id, latest) : runStatus(latest),
    borrowed ? h('p', { id: 'borrowed-count', class: 'borrowed-note' }, t('borrowedCount', borrowed)) : null,
    h('div', { id: 'changes' }),
    exclusions.length ? h('details', {}, h('summary', {}, `${t('exclusions')} (${exclusions.length})`),
      h('ul', {}, exclusions.map((e) => h('li', {}, `${e.instructor_name}：${e.reason}`, ' ', planner ? button(t('remove'), async () => { await api('DELETE', `/api/v1/exclusions/${e.id}`); render(); }) : null)))) : null,
    classes.map((c) => {
      const held = c.sessions.flatMap((x) => (bySession.get(x.id) || []).filter((a) => a.state !== 'declined'));
      const places = c.sessions.reduce((n, x) => n + x.needed, 0);
      const cadres = held.filter((a) => a.instructor_kind === 'cadre').length;
      const short = cadres < Math.ceil(c.min_cadre_share * places - 1e-9);
      return h('article', { class: 'class', 'data-class': c.id },
        h('h2', {}, c.name, ' ', h('small', {}, `${c.kind_name || c.kind} · ${c.city} · ${c.start_date} – ${c.end_date}`)),
        h('p', { class: 'class-facts' }, h('span', { class: short ? 'warn' : 'ok' }, t('cadreActual', cadres, `${Math.round(c.min_cadre_share * 100)}% × ${places}`)),
          travel.has(c.id) ? ` · ${t('travel')} ${fmt.num(travel.get(c.id), 0)} km` : '',
          planner ? [' ', mini(t('openClassEvaluation'), (e) => classEvaluationForm(e.target.closest('p'), c), 'open-class-evaluation')] : null),
        h('table', { class: 'board' }, [...c.sessions].sort((a, b) => a.start.localeCompare(b.start)).map((x) => sessionRow(c, x, bySession.get(x.id) || [], unfilled.get(x.id), planner, formOf.get(x.id), plan.office))));
    }));
}

function runStatus(run) {
  if (!run) return h('p', { id: 'run-status' }, t('noRun'));
  const last = run.progress?.[run.progress.length - 1];
  const sol = run.solution;
  const elapsed = run.started_at ? ((new Date(run.finished_at || Date.now()) - new Date(run.started_at)) / 1000).toFixed(1) : '0';
  return h('p', { id: 'run-status', 'data-state': run.state },
    `${t('state')}：${t(run.state)} · ${t('elapsed')} ${elapsed} s`,
    sol ? ` · ${t('objective')} ${fmt.num(sol.objective)} · ${t('bound')} ${fmt.num(sol.bound)} · ${t('gap')} ${fmt.pct(sol.gap)} · ${t(`solution_${sol.status}`)}`
      : last ? ` · ${t('objective')} ${fmt.num(last.objective)} · ${t('bound')} ${fmt.num(last.bound)}` : '',
    run.applied_at ? ` · ${t('applied')}` : '', run.error ? ` · ${run.error}` : '',
    run.state === 'running' && run.cancel_requested_at ? ` · ${t('stopping')}` : '');
}

/** Whether a run has ended (nothing more will change but its applying). */
function ended(run) { return ['done', 'failed', 'cancelled'].includes(run.state); }

function runPanel(planId, latest) {
  const limit = input('time_limit_s', 10, { type: 'number', min: 1, max: 600, step: 'any' });
  const classLimit = input('max_sessions_per_class', '', { type: 'number', min: 1, step: 1 });
  const weights = { expertise: input('w_expertise', 1, { type: 'number', step: 'any' }), rating: input('w_rating', 1, { type: 'number', step: 'any' }),
    travel_per_1000km: input('w_travel', 0.5, { type: 'number', step: 'any' }), keep: input('w_keep', 0.2, { type: 'number', step: 'any' }),
    balance: input('w_balance', 0, { type: 'number', min: 0, step: 'any' }) };
  const status = h('div', {}, runStatus(latest));
  const actions = h('div', { class: 'run-actions' });
  const showDone = (run) => {
    actions.replaceChildren();
    const proposal = run?.state === 'done' || (run?.state === 'cancelled' && run.solution);
    if (proposal && !run.applied_at) actions.append(button(t('changes'), () => showChanges(run), { id: 'review' }));
  };
  const watch = async (run) => {
    actions.replaceChildren(button(t('stopRun'), async () => { await api('POST', `/api/v1/staffing-runs/${run.id}/cancel`); }, { id: 'cancel-run' }));
    for (;;) {
      status.replaceChildren(runStatus(run));
      if (ended(run)) break;
      await new Promise((r) => setTimeout(r, 700));
      run = await api('GET', `/api/v1/staffing-runs/${run.id}`);
    }
    showDone(run);
  };
  if (latest && (latest.state === 'queued' || latest.state === 'running')) watch(latest).catch(showProblem);
  else showDone(latest);
  return h('div', { class: 'panel' },
    h('form', { class: 'inline', id: 'run-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const options = { time_limit_s: Number(limit.value) };
      if (classLimit.value) options.max_sessions_per_class = Number(classLimit.value);
      const body = { weights: Object.fromEntries(Object.entries(weights).map(([k, el]) => [k, Number(el.value)])), options };
      const run = await api('POST', `/api/v1/plans/${encodeURIComponent(planId)}/staffing-runs`, body);
      await watch(run);
    }) }, field(t('timeLimit'), limit), field(t('weightExpertise'), weights.expertise), field(t('weightRating'), weights.rating),
    field(t('weightTravel'), weights.travel_per_1000km), field(t('weightKeep'), weights.keep),
    h('label', { class: 'field' }, h('span', {}, t('weightBalance')), weights.balance, h('small', { class: 'card-hint', id: 'balance-help' }, t('balanceHelp'))),
    h('label', { class: 'field' }, h('span', {}, t('classLimit')), classLimit, h('small', { class: 'card-hint', id: 'class-limit-help' }, t('classLimitHelp'))),
    h('button', { type: 'submit', id: 'start-run' }, t('run'))),
    status, actions);
}

async function showChanges(run) {
  const changes = await api('GET', `/api/v1/staffing-runs/${run.id}/changes`);
  const pair = (p) => `${p.session_title}（${fmt.time(p.start)}）：${p.instructor_name}`;
  const box = document.getElementById('changes');
  const empty = !changes.added.length && !changes.moved.length && !changes.dropped.length;
  box.replaceChildren(h('div', { class: 'panel', id: 'changes-view' }, h('h2', {}, t('changes')),
    empty ? h('p', {}, t('noChanges')) : null,
    section(t('added'), changes.added.map(pair), 'added'),
    section(t('moved'), changes.moved.map((m) => `${m.instructor_name}：${m.from.session_title} → ${m.to.session_title}`), 'moved'),
    section(t('dropped'), changes.dropped.map(pair), 'dropped'),
    h('p', {}, `${t('unchanged')} ${changes.unchanged}`),
    button(t('apply'), async () => {
      const cancelled = run.state === 'cancelled';
      if (cancelled && !window.confirm(t('applyCancelled'))) return;
      await api('POST', `/api/v1/staffing-runs/${run.id}/apply${cancelled ? '?confirm=true' : ''}`);
      render();
    }, { id: 'apply' }), ' ',
    button(t('cancel'), () => box.replaceChildren())));
}

function section(title, items, cls) {
  if (!items.length) return null;
  return h('div', { class: `change ${cls}` }, h('h3', {}, `${title} (${items.length})`), h('ul', {}, items.map((x) => h('li', {}, x))));
}

/** A session's row on the board; instructors kept by another office than
 * the plan's (`home`) are marked as borrowed, with their office. */
function sessionRow(c, x, held, unfilled, planner, form, home) {
  const chips = held.map((a) => h('span', { class: `chip ${a.state}${a.locked ? ' locked' : ''}${a.instructor_office !== home ? ' borrowed' : ''}`, 'data-assignment': a.id, title: a.decline_reason || null },
    a.instructor_name, a.instructor_office !== home ? h('small', { class: 'from' }, `（${t('borrowed', a.instructor_office_name)}）`) : null,
    ` · ${I18N[lang].states[a.state]}${a.locked ? ` · ${t('locked')}` : ''}`,
    planner && a.state !== 'declined' ? [' ',
      a.locked ? mini(t('unlock'), () => change(a, 'unlock'), 'unlock') : mini(t('lock'), () => change(a, 'lock'), 'lock'),
      a.state === 'proposed' ? mini(t('confirm'), () => change(a, 'confirm'), 'confirm') : null,
      a.state === 'proposed' && !a.locked ? mini(t('exclude'), (e) => excludeForm(e.target.closest('tr'), c, x, a.instructor), 'exclude') : null] : null));
  const active = held.filter((a) => a.state !== 'declined').length;
  const missing = Math.max(0, x.needed - active);
  return h('tr', { 'data-session': x.id, class: missing ? 'short' : null },
    h('td', { class: 'when' }, fmt.time(x.start)),
    h('td', {}, h('strong', {}, x.title), h('br', {}), h('small', {}, x.topics.map((tp) => `${topicName(tp.topic)}≥${tp.min_level}`).join('；'), x.remote ? ` · ${t('remote')}` : '', ` · ×${x.needed}`)),
    h('td', { class: 'people' }, chips,
      missing ? h('span', { class: 'missing' }, t('missing', missing)) : null,
      unfilled && missing ? h('div', { class: 'why' },
        `${t('eligible')} ${unfilled.eligible} · ${t('excludedBy')}：${Object.entries(unfilled.excluded_by).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join('，') || '—'}`,
        unfilled.near_misses.length ? h('ul', { class: 'near' }, unfilled.near_misses.map((m) => h('li', {}, `${m.instructor_name}：${m.detail}（${m.blocked_by}）`))) : null) : null),
    h('td', {}, button(t('alternates'), (e) => alternates(e.target.closest('tr'), c, x, planner, held), { class: 'alternates' }), h('br', {}),
      evaluationCell(x, form, held, planner)));
}

/** A session's evaluation on the board: its state and answers, or a way to open it. */
function evaluationCell(x, form, held, planner) {
  if (form) {
    return h('span', { class: `chip evaluation ${form.state}`, 'data-evaluation': x.id },
      `${t('evaluation')} · ${I18N[lang].formStates[form.state]} · ${t('responses', form.responses, form.trainees)}`,
      planner ? [' ', h('a', { class: 'button mini', href: `#/sessions/${encodeURIComponent(x.id)}/codes`, 'data-action': 'codes' }, t('printCodes'))] : null);
  }
  if (!planner || !held.some((a) => a.state === 'confirmed')) return null;
  return mini(t('openEvaluation'), (e) => evaluationForm(e.target.closest('tr'), x), 'open-evaluation');
}

function evaluationForm(row, x) {
  const trainees = input('trainees', 30, { type: 'number', min: 1, max: 500, required: true });
  const opens = input('opens_at', '', { type: 'datetime-local' });
  const closes = input('closes_at', '', { type: 'datetime-local' });
  row.after(h('tr', {}, h('td', { colspan: 4 }, h('form', { class: 'inline', id: 'evaluation-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const body = { trainees: Number(trainees.value) };
    if (opens.value) body.opens_at = rfc3339(opens.value);
    if (closes.value) body.closes_at = rfc3339(closes.value);
    await api('POST', `/api/v1/sessions/${encodeURIComponent(x.id)}/evaluation`, body);
    render();
  }) }, field(t('trainees'), trainees), field(`${t('opensAt')}（${t('nothing')} = −15 min）`, opens), field(`${t('closesAt')}（+7 d）`, closes),
  h('button', { type: 'submit' }, t('openEvaluation'))))));
}

function classEvaluationForm(where, c) {
  const trainees = input('trainees', 30, { type: 'number', min: 1, max: 500, required: true });
  where.after(h('form', { class: 'inline', id: 'class-evaluation-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const done = await api('POST', `/api/v1/classes/${encodeURIComponent(c.id)}/evaluations`, { trainees: Number(trainees.value) });
    notice = done.skipped.length ? t('skipped', done.skipped.map((k) => `${k.title}（${I18N[lang].skipReasons[k.reason] || k.reason}）`).join('，')) : null;
    render();
  }) }, field(t('trainees'), trainees), h('button', { type: 'submit' }, t('openClassEvaluation'))));
}

/** A message shown once above the next page drawn. */
let notice = null;

/** Fetches `path` through api() (so an expired token signs in again) and saves it as `filename`. */
async function download(path, filename) {
  const url = URL.createObjectURL(await api('GET', path, undefined, { blob: true }));
  const link = h('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A QR symbol from its module path, with the quiet zone around it. */
function qrSvg(qr) {
  const n = qr.size + 8;
  const svg = s('svg', { viewBox: `-4 -4 ${n} ${n}`, class: 'qr', role: 'img', 'aria-label': 'QR' });
  svg.append(s('rect', { x: -4, y: -4, width: n, height: n, fill: '#fff' }), s('path', { d: qr.path, fill: '#000' }));
  return svg;
}

/** A session's evaluation codes as cards to print and cut apart. */
async function codesPage(id) {
  const enc = encodeURIComponent(id);
  const view = await api('GET', `/api/v1/sessions/${enc}/evaluation/codes`);
  const f = view.form;
  return h('section', { id: 'codes' },
    h('div', { class: 'no-print' },
      h('h1', {}, `${t('printCodes')}：${f.session_title}`),
      h('p', {}, `${f.class_name} · ${fmt.time(f.start)} · ${t('opensAt')} ${fmt.time(f.opens_at)} · ${t('closesAt')} ${fmt.time(f.closes_at)} · `,
        h('span', { id: 'form-state' }, `${I18N[lang].formStates[f.state]} · ${t('responses', f.responses, f.trainees)}`)),
      h('p', {}, button(t('print'), () => window.print(), { id: 'print' }), ' ',
        button(t('downloadSvg'), () => download(`/api/v1/sessions/${enc}/evaluation/sheet`, `${f.session_title}-测评码.svg`), { id: 'download-svg' }), ' ',
        h('a', { class: 'button', href: `#/plans/${encodeURIComponent(f.plan)}/board` }, t('board')))),
    h('div', { class: 'sheet' }, view.codes.map((c) => h('div', { class: 'card', 'data-code': c.code },
      h('div', { class: 'card-head' }, h('strong', {}, t('evaluation')), h('span', {}, t('number', c.number))),
      h('div', { class: 'card-title' }, f.session_title), h('div', { class: 'card-when' }, fmt.time(f.start)),
      qrSvg(c.qr), h('div', { class: 'card-code' }, `${c.code.slice(0, 5)} ${c.code.slice(5)}`),
      h('div', { class: 'card-hint' }, t('codeHint'))))));
}

/* teaching quality */

const qualityQuery = { plan: null, threshold: 3.5, class: '' };

async function qualityPage(id) {
  const enc = encodeURIComponent(id);
  if (qualityQuery.plan !== id) Object.assign(qualityQuery, { plan: id, threshold: 3.5, class: '' });
  const params = new URLSearchParams({ threshold: String(qualityQuery.threshold) });
  if (qualityQuery.class) params.set('class', qualityQuery.class);
  const [q, plan] = await Promise.all([api('GET', `/api/v1/plans/${enc}/quality?${params}`), api('GET', `/api/v1/plans/${enc}`)]);
  const threshold = input('threshold', qualityQuery.threshold, { type: 'number', min: 1, max: 5, step: 0.1 });
  const cls = select('class', [['', t('all')], ...plan.classes.map((c) => [c.id, c.name])], qualityQuery.class);
  const file = (format) => download(`/api/v1/plans/${enc}/quality/export?${params}&format=${format}`, `${q.plan_name}-${t('quality')}.${format}`);
  const score = (x) => fmt.num(x, 2);
  return h('section', { id: 'quality' },
    h('h1', {}, `${t('quality')}：${q.plan_name}`, ' ', h('small', {}, h('a', { href: `#/plans/${enc}/board` }, t('board')))),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); Object.assign(qualityQuery, { threshold: Number(threshold.value), class: cls.value }); render(); } },
      field(t('classes'), cls), field(t('threshold'), threshold), h('button', { type: 'submit' }, t('search')), ' ',
      button(t('exportCsv'), () => file('csv'), { id: 'export-csv' }), ' ', button(t('exportXlsx'), () => file('xlsx'), { id: 'export-xlsx' })),
    q.sessions.length ? null : h('p', {}, t('noData')),
    h('table', { class: 'list', id: 'quality-sessions' },
      h('tr', {}, [t('classes'), t('session'), t('when'), t('instructorId'), t('responseRate'), t('mean'), t('content'), t('teachingMethod'), t('usefulness')].map((x) => h('th', {}, x))),
      q.sessions.map((x) => h('tr', { 'data-session': x.session, class: x.below_threshold ? 'low' : null },
        h('td', {}, x.class_name), h('td', {}, x.title, x.below_threshold ? [' ', h('span', { class: 'tag low' }, t('below'))] : null), h('td', {}, fmt.time(x.start)),
        h('td', {}, x.instructors.map((i) => h('div', {}, `${i.name} ${score(i.mean_score)}（${i.evaluation_count}）`))),
        h('td', { class: 'num' }, x.trainees ? `${x.responses}/${x.trainees} · ${Math.round(100 * x.response_rate)}%` : '—'),
        x.shown ? [h('td', { class: 'num' }, score(x.mean_score)), h('td', { class: 'num' }, score(x.content)),
          h('td', { class: 'num' }, score(x.method)), h('td', { class: 'num' }, score(x.usefulness))]
          : h('td', { colspan: 4, class: 'too-few' }, t('tooFew'))))),
    h('h2', {}, t('instructorId')),
    h('table', { class: 'list', id: 'quality-instructors' }, h('tr', {}, [t('name'), t('sessions'), t('evaluations'), t('mean')].map((x) => h('th', {}, x))),
      q.instructors.map((i) => h('tr', {}, h('td', {}, h('a', { href: `#/instructors/${encodeURIComponent(i.instructor)}` }, i.name)),
        h('td', { class: 'num' }, i.sessions), h('td', { class: 'num' }, i.evaluation_count), h('td', { class: 'num' }, score(i.mean_score))))),
    comments(q.comments));
}

function comments(list) {
  return [h('h2', {}, t('comments')), list.length ? h('ul', { class: 'comments' }, list.map((c) => h('li', {}, h('small', {}, `${c.date} · ${c.session_title}`), h('br', {}), c.text))) : h('p', {}, t('nothing'))];
}

/** An instructor's rating over the months, its trend, evaluated sessions and comments. */
function qualitySummary(q) {
  return [
    h('h2', {}, t('ratingHistory')), sparkline(q.months),
    h('p', { class: 'trend', 'data-trend': q.trend.direction },
      `${t('rating')} ${fmt.num(q.rating.rating)}（${t('evaluations')} ${q.rating.evaluation_count}） · ${t('trend')}：${I18N[lang].trends[q.trend.direction]}（${q.trend.change >= 0 ? '+' : ''}${fmt.num(q.trend.change)}）`),
    h('h2', {}, t('evaluatedSessions')),
    h('table', { class: 'list', id: 'evaluated-sessions' }, h('tr', {}, [t('session'), t('classes'), t('delivered'), t('evaluations'), t('mean')].map((x) => h('th', {}, x))),
      q.sessions.map((x) => h('tr', {}, h('td', {}, x.title), h('td', {}, x.class_name), h('td', {}, fmt.time(x.delivered_at)),
        h('td', { class: 'num' }, x.evaluation_count), h('td', { class: 'num' }, x.mean_score == null ? t('tooFew') : fmt.num(x.mean_score, 2))))),
    comments(q.comments)];
}

async function myQualityPage() {
  const q = await api('GET', `/api/v1/instructors/${encodeURIComponent(auth.me.instructor.id)}/quality?months=12`);
  return h('section', { id: 'my-quality' }, h('h1', {}, t('myQuality')), qualitySummary(q));
}

function mini(label, onclick, action) { return button(label, onclick, { class: 'mini', 'data-action': action }); }

async function change(a, what) { await api('POST', `/api/v1/assignments/${a.id}/${what}`); render(); }

async function alternates(row, c, x, planner, held) {
  const found = await api('GET', `/api/v1/sessions/${x.id}/recommendations?limit=8`);
  const next = row.nextElementSibling;
  if (next?.classList.contains('alternates-row')) next.remove();
  // A full session takes someone by hand only in another's place: an
  // unlocked proposal first.
  const taking = held.filter((a) => a.state !== 'declined');
  taking.sort((a, b) => (a.state === 'proposed' && !a.locked ? 0 : 1) - (b.state === 'proposed' && !b.locked ? 0 : 1));
  const replace = taking.length >= x.needed
    ? select('replace', taking.map((a) => [a.id, `${t('replace')} ${a.instructor_name}（${I18N[lang].states[a.state]}${a.locked ? ` · ${t('locked')}` : ''}）`]), taking[0]?.id)
    : null;
  row.after(h('tr', { class: 'alternates-row' }, h('td', { colspan: 4 },
    planner && replace ? h('p', { class: 'replace' }, replace) : null,
    h('table', { class: 'list alternates-list' }, h('tr', {}, [t('name'), t('score'), t('expertise'), t('rating'), t('distance'), ''].map((v) => h('th', {}, v))),
      found.items.map((r) => h('tr', { 'data-instructor': r.instructor }, h('td', {}, r.instructor_name,
        r.warnings.map((w) => h('small', { class: 'warning', 'data-rule': w.rule }, ' ⚠ ', t('warnClassLimit')))), h('td', { class: 'num' }, fmt.num(r.score)),
        h('td', { class: 'num' }, fmt.num(r.expertise)), h('td', { class: 'num' }, fmt.num(r.rating)), h('td', { class: 'num' }, fmt.num(r.distance_km, 0)),
        h('td', {}, planner ? [button(t('assign'), async () => { await api('POST', '/api/v1/assignments', { session: x.id, instructor: r.instructor, ...(replace ? { replace: replace.value } : {}) }); render(); }, { class: 'assign' }), ' ',
          button(t('exclude'), (e) => excludeForm(e.target.closest('tr'), c, x, r.instructor))] : null)))))));
}

function excludeForm(row, c, x, instructor) {
  const reason = input('reason', '', { required: true, maxlength: 500 });
  const scope = select('scope', [['session', t('bySession')], ['class', t('byClass')]], 'session');
  const cols = row.children.length;
  row.after(h('tr', {}, h('td', { colspan: cols },
    h('form', { class: 'inline exclude-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      await api('POST', '/api/v1/exclusions', { instructor, reason: reason.value, ...(scope.value === 'class' ? { class: c.id } : { session: x.id }) });
      render();
    }) }, field(t('reason'), reason), scope, h('button', { type: 'submit' }, t('exclude'))))));
}

/* training office */

async function recommendPage() {
  const f = {
    topics: input('topics', '', { required: true, placeholder: 'letter_handling:3' }),
    lat: input('lat', 30.59, { type: 'number', step: 'any' }), lon: input('lon', 114.31, { type: 'number', step: 'any' }),
    start: input('start', '', { type: 'datetime-local', required: true }), end: input('end', '', { type: 'datetime-local', required: true }),
    remote: h('input', { type: 'checkbox', name: 'remote' }),
    include_unavailable: h('input', { type: 'checkbox', name: 'include_unavailable' }),
  };
  const results = h('div', { id: 'results' });
  return h('section', {}, h('h1', {}, t('recommend')),
    h('form', { class: 'grid', id: 'recommend-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const topics = topicLevels(f.topics.value, 'min_level', 1);
      const found = await api('POST', '/api/v1/recommendations', { topics, lat: Number(f.lat.value), lon: Number(f.lon.value), start: rfc3339(f.start.value), end: rfc3339(f.end.value), remote: f.remote.checked, include_unavailable: f.include_unavailable.checked });
      results.replaceChildren(h('table', { class: 'list' }, h('tr', {}, [t('name'), t('score'), t('expertise'), t('rating'), t('distance'), t('why')].map((v) => h('th', {}, v))),
        found.map((r) => h('tr', {}, h('td', {}, h('a', { href: `#/instructors/${encodeURIComponent(r.instructor)}` }, r.instructor_name)), h('td', { class: 'num' }, fmt.num(r.score)),
          h('td', { class: 'num' }, fmt.num(r.expertise)), h('td', { class: 'num' }, fmt.num(r.rating)), h('td', { class: 'num' }, fmt.num(r.distance_km, 0)),
          h('td', {}, r.reasons.map((x) => x.detail).join('；'))))));
    }) }, field(t('topics'), f.topics), field(t('lat'), f.lat), field(t('lon'), f.lon), field(t('start'), f.start), field(t('end'), f.end),
    field(t('remote'), f.remote), field(t('why'), f.include_unavailable), h('button', { type: 'submit' }, t('search'))),
    results);
}

/* instructors' own pages */

async function minePage() {
  const mine = await api('GET', '/api/v1/me/assignments');
  return h('section', {}, h('h1', {}, t('mine')),
    h('table', { class: 'list', id: 'mine' }, h('tr', {}, [t('when'), t('session'), t('venue'), t('state'), ''].map((v) => h('th', {}, v))),
      mine.map((a) => h('tr', { 'data-assignment': a.id }, h('td', {}, fmt.time(a.start)), h('td', {}, a.session_title, h('br', {}), h('small', {}, a.class_name)),
        h('td', {}, a.remote ? `${a.city}（${t('remote')}）` : a.city), h('td', {}, I18N[lang].states[a.state], a.decline_reason ? `：${a.decline_reason}` : ''),
        h('td', {}, a.state === 'proposed' ? button(t('accept'), async () => { await api('POST', `/api/v1/me/assignments/${a.id}/accept`); render(); }, { class: 'accept' }) : null, ' ',
          a.state !== 'declined' ? button(t('decline'), (e) => declineForm(e.target.closest('tr'), a), { class: 'decline' }) : null)))),
    await feedPanel());
}

function declineForm(row, a) {
  const reason = input('reason', '', { required: true, maxlength: 500 });
  row.after(h('tr', {}, h('td', { colspan: 5 }, h('form', { class: 'inline', id: 'decline-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    await api('POST', `/api/v1/me/assignments/${a.id}/decline`, { reason: reason.value });
    render();
  }) }, field(t('reason'), reason), h('button', { type: 'submit' }, t('decline'))))));
}

async function feedPanel() {
  const out = h('p', { id: 'feed-url' });
  return h('div', { class: 'panel' }, h('h2', {}, t('feed')),
    button(t('feedMake'), async () => { const feed = await api('POST', '/api/v1/me/calendar-feed'); out.replaceChildren(t('feedHint'), ' ', h('code', {}, `${location.origin}${feed.path}`)); }, { id: 'feed-make' }), ' ',
    button(t('feedRevoke'), async () => { await api('DELETE', '/api/v1/me/calendar-feed'); out.replaceChildren(t('saved')); }, { id: 'feed-revoke' }), out);
}

async function blocksPage() {
  const [blocks, mine] = await Promise.all([api('GET', '/api/v1/me/unavailability'), api('GET', '/api/v1/me/assignments')]);
  return h('section', {}, h('h1', {}, t('myBlocks')), calendar(blocks, mine), blockForm('/api/v1/me/unavailability'),
    h('ul', { class: 'blocks', id: 'my-blocks' }, blocks.map((b) => h('li', {}, `${fmt.time(b.start)} – ${fmt.time(b.end)} ${b.note}`, ' ',
      button(t('remove'), async () => { await api('DELETE', `/api/v1/me/unavailability/${b.id}`); render(); })))));
}

async function profilePage() {
  const me = await api('GET', '/api/v1/me');
  const current = input('current', '', { type: 'password', required: true, autocomplete: 'current-password' });
  const next = input('new', '', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const done = h('p', { role: 'status' });
  let contact = null;
  if (me.instructor) {
    const phone = input('phone', me.instructor.phone);
    const email = input('email', me.instructor.email);
    const contactDone = h('p', { role: 'status' });
    // Saved in place, not by drawing the page again, which would wipe what
    // is being typed into the password form.
    contact = h('form', { class: 'inline', id: 'contact-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const saved = await api('PUT', '/api/v1/me/contact', { phone: phone.value || null, email: email.value || null }, { ifMatch: me.instructor.version });
      me.instructor.version = saved.version;
      contactDone.textContent = t('saved');
    }) }, h('h2', {}, t('contact')), field(t('phone'), phone), field(t('email'), email), h('button', { type: 'submit' }, t('save')), contactDone);
  }
  return h('section', {}, h('h1', {}, t('profile')), h('p', {}, `${me.username} · ${I18N[lang].roles[me.role]}`), contact,
    h('form', { class: 'inline', id: 'password-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      const token = await api('PUT', '/api/v1/me/password', { current: current.value, new: next.value });
      auth.token = token.access_token;
      done.textContent = t('saved');
    }) }, h('h2', {}, t('changePassword')), field(t('current'), current), field(t('newPassword'), next), h('button', { type: 'submit' }, t('save')), done));
}

/* admin */

async function accountsPage() {
  const [users, tree] = await Promise.all([api('GET', '/api/v1/users'), offices()]);
  const f = { username: input('username', '', { required: true }), password: input('password', '', { type: 'password', required: true, minlength: 8 }),
    role: select('role', Object.entries(I18N[lang].roles), 'planner'),
    office: select('office', tree.filter((o) => o.active).map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}`]), auth.me.office.id),
    instructor: input('instructor', '', { placeholder: 'instructor id' }) };
  return h('section', {}, h('h1', {}, t('accounts')),
    h('table', { class: 'list', id: 'accounts' }, h('tr', {}, [t('username'), t('role'), t('office'), t('linked'), t('state'), ''].map((v) => h('th', {}, v))),
      users.map((u) => h('tr', { 'data-user': u.username }, h('td', {}, u.username), h('td', {}, I18N[lang].roles[u.role] || u.role),
        h('td', {}, officeName(tree, u.office)), h('td', {}, u.instructor || ''),
        h('td', {}, u.active ? t('active') : t('inactive')),
        h('td', {}, button(u.active ? t('disable') : t('enable'), async () => { await api('PATCH', `/api/v1/users/${u.id}`, { active: !u.active }); render(); }, { class: 'toggle' }), ' ',
          button(t('reset'), async () => { const password = prompt(t('newPassword')); if (password) { await api('PATCH', `/api/v1/users/${u.id}`, { password }); render(); } }, { class: 'reset' }))))),
    h('form', { class: 'inline', id: 'account-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      await api('POST', '/api/v1/users', { username: f.username.value, password: f.password.value, role: f.role.value, office: f.office.value, instructor: f.instructor.value || null });
      render();
    }) }, Object.entries(f).map(([k, el]) => field(t(k === 'instructor' ? 'linked' : k), el)), h('button', { type: 'submit' }, t('create'))));
}

/* offices */

/** The admin's part of the tree: each office indented under its parent,
 * deactivated and activated here, new ones added one by one or from a sheet. */
async function officesPage() {
  officeTree.list = null;
  const tree = await offices();
  const own = tree[0];
  const changed = () => { officeTree.list = null; render(); };
  const below = Object.keys(I18N[lang].officeTiers).filter((_, k, all) => k > all.indexOf(own.tier));
  const parents = tree.filter((o) => o.active && o.tier !== 'county');
  const f = {
    name: input('name', '', { required: true, maxlength: 200 }),
    tier: select('tier', below.map((code) => [code, tierName(code)]), below[0]),
    parent: select('parent', parents.map((o) => [o.id, `${'　'.repeat(o.depth)}${o.name}`]), own.id),
    region: input('region', own.region, { maxlength: 200 }),
  };
  return h('section', {}, h('h1', {}, t('offices'), ' ', h('small', {}, t('officeCount', tree.length))),
    h('table', { class: 'list', id: 'offices' },
      h('tr', {}, [t('officeName'), t('tier'), t('region'), t('state'), ''].map((x) => h('th', {}, x))),
      tree.map((o) => h('tr', { 'data-office': o.id, class: o.active ? null : 'inactive' },
        h('td', { class: `depth-${Math.min(o.depth, 3)}` }, o.depth ? '└ ' : '', o.name),
        h('td', {}, tierName(o.tier)), h('td', {}, o.region), h('td', {}, o.active ? t('officeActive') : t('inactive')),
        h('td', {}, o.depth ? button(o.active ? t('deactivate') : t('activate'), async () => {
          await api('PATCH', `/api/v1/offices/${encodeURIComponent(o.id)}`, { active: !o.active });
          changed();
        }, { class: 'toggle' }) : null)))),
    h('h2', {}, t('newOffice')),
    h('form', { class: 'inline', id: 'office-form', onsubmit: guard(async (e) => {
      e.preventDefault();
      await api('POST', '/api/v1/offices', { name: f.name.value, tier: f.tier.value, parent: f.parent.value, region: f.region.value });
      changed();
    }) }, field(t('officeName'), f.name), field(t('tier'), f.tier), field(t('parentOffice'), f.parent), field(t('region'), f.region),
    h('button', { type: 'submit' }, t('create'))),
    h('h2', {}, t('importOffices')), h('p', {}, t('importOfficesHint')),
    sheetForm('offices-import', `/api/v1/offices/${encodeURIComponent(own.id)}/import`, (r) => t('importedOffices', r.offices.length)));
}

/** The signing secret of an answer that shows one, as the next page's notice. */
function showSecret(endpoint) {
  notice = [t('secretHint'), ' ', h('code', { id: 'secret' }, endpoint.secret)];
}

/** An endpoint's URL, description and events; `send` gets the input. */
function endpointForm(types, endpoint, send) {
  const url = input('url', endpoint?.url, { type: 'url', required: true, maxlength: 2000, size: 48 });
  const description = input('description', endpoint?.description, { maxlength: 200 });
  const boxes = types.map((x) => h('input', { type: 'checkbox', name: x.code, checked: endpoint ? endpoint.event_types.includes(x.code) : true }));
  return h('form', { class: 'inline', id: 'endpoint-form', onsubmit: guard(async (e) => {
    e.preventDefault();
    const chosen = types.filter((_, k) => boxes[k].checked).map((x) => x.code);
    await send({ url: url.value, description: description.value, event_types: chosen, enabled: endpoint ? endpoint.enabled : true });
  }) }, field(t('url'), url), field(t('description'), description),
  h('fieldset', {}, h('legend', {}, t('eventTypes')), types.map((x, k) => h('label', { class: 'check' }, boxes[k], ' ', eventName(types, x.code)))),
  h('button', { type: 'submit' }, endpoint ? t('save') : t('create')));
}

/** An event type's name in Chinese (the API's), its code in English. */
const eventName = (types, code) => (code === 'webhook.ping' ? t('pingEvent') : (lang === 'zh' && types.find((x) => x.code === code)?.name) || code);

/** An endpoint's state: enabled, or disabled and why; failing since when; the old secret's last day. */
function endpointState(e) {
  return [e.enabled ? t('enabled') : `${t('inactive')}（${t(e.disabled_by === 'admin' ? 'byAdmin' : 'autoDisabled')}）`,
    e.failing_since ? [h('br', {}), h('small', { class: 'error' }, t('failingSince', fmt.time(e.failing_since)))] : null,
    e.previous_secret_until ? [h('br', {}), h('small', {}, t('previousUntil', fmt.time(e.previous_secret_until)))] : null];
}

/** The endpoint's input as it stands, with `enabled` set. */
const endpointInput = (e, enabled) => ({ url: e.url, description: e.description, event_types: e.event_types, enabled });

async function webhooksPage() {
  const [endpoints, types] = await Promise.all([api('GET', '/api/v1/webhooks'), api('GET', '/api/v1/webhook-event-types')]);
  return h('section', {}, h('h1', {}, t('webhooks')),
    h('table', { class: 'list', id: 'webhooks' }, h('tr', {}, [t('url'), t('eventTypes'), t('state'), ''].map((v) => h('th', {}, v))),
      endpoints.map((e) => h('tr', { 'data-endpoint': e.id },
        h('td', {}, h('a', { href: `#/webhooks/${encodeURIComponent(e.id)}` }, e.url), e.description ? [h('br', {}), h('small', {}, e.description)] : null),
        h('td', {}, e.event_types.map((c) => eventName(types, c)).join('、')), h('td', {}, endpointState(e)),
        h('td', {}, button(t('ping'), async () => { await api('POST', `/api/v1/webhooks/${e.id}/ping`); notice = t('pinged'); render(); }, { class: 'ping', disabled: !e.enabled }), ' ',
          button(e.enabled ? t('disable') : t('enable'), async () => { await api('PUT', `/api/v1/webhooks/${e.id}`, endpointInput(e, !e.enabled)); render(); }, { class: 'toggle' }), ' ',
          button(t('rotate'), async () => {
            const hours = prompt(t('rotateHours'), '24');
            if (hours !== null) { showSecret(await api('POST', `/api/v1/webhooks/${e.id}/secret?overlap_hours=${encodeURIComponent(hours.trim() || '24')}`)); render(); }
          }, { class: 'rotate' }), ' ',
          button(t('remove'), async () => { if (confirm(t('confirmRemove'))) { await api('DELETE', `/api/v1/webhooks/${e.id}`); render(); } }, { class: 'remove' }))))),
    h('h2', {}, t('create')),
    endpointForm(types, null, async (body) => { showSecret(await api('POST', '/api/v1/webhooks', body)); render(); }));
}

/** The state the deliveries page lists ('' for all). */
let deliveryState = '';

async function deliveriesPage(id) {
  const enc = encodeURIComponent(id);
  const query = new URLSearchParams({ limit: '100', ...(deliveryState ? { state: deliveryState } : {}) });
  const [endpoint, types, deliveries] = await Promise.all([api('GET', `/api/v1/webhooks/${enc}`), api('GET', '/api/v1/webhook-event-types'),
    api('GET', `/api/v1/webhooks/${enc}/deliveries?${query}`)]);
  const filter = select('state', [['', t('all')], ...Object.entries(I18N[lang].deliveryStates)], deliveryState);
  filter.addEventListener('change', () => { deliveryState = filter.value; render(); });
  const last = (d) => {
    const a = d.log[d.log.length - 1];
    return a ? [a.status ?? '—', a.error ? ` ${a.error}` : '', ` · ${a.duration_ms} ms`] : '';
  };
  return h('section', {}, h('h1', {}, `${t('webhooks')}：${endpoint.url}`, ' ', h('small', {}, h('a', { href: '#/webhooks' }, t('webhooks')))),
    h('p', {}, endpointState(endpoint)),
    endpointForm(types, endpoint, async (body) => { await api('PUT', `/api/v1/webhooks/${enc}`, body); notice = t('saved'); render(); }),
    h('h2', {}, t('deliveries'), ' ', filter),
    deliveries.length === 0 ? h('p', {}, t('noDeliveries')) : h('table', { class: 'list', id: 'deliveries' },
      h('tr', {}, [t('createdAt'), t('eventTypes'), t('state'), t('attempts'), t('lastAttempt'), t('finishedAt'), ''].map((v) => h('th', {}, v))),
      deliveries.map((d) => h('tr', { 'data-delivery': d.id, 'data-state': d.state }, h('td', {}, fmt.time(d.created_at)),
        h('td', {}, eventName(types, d.event_type), h('br', {}), h('small', {}, d.event)),
        h('td', {}, I18N[lang].deliveryStates[d.state] || d.state, d.next_attempt_at ? [h('br', {}), h('small', {}, fmt.time(d.next_attempt_at))] : null),
        h('td', { class: 'num' }, d.attempts), h('td', {}, last(d)), h('td', {}, fmt.time(d.finished_at)),
        h('td', {}, ['succeeded', 'failed'].includes(d.state) ? button(t('redeliver'), async () => { await api('POST', `/api/v1/webhooks/${enc}/deliveries/${d.id}/redeliver`); render(); }, { class: 'redeliver', disabled: !endpoint.enabled }) : null)))));
}

window.addEventListener('hashchange', () => { clearProblem(); render(); });
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
render();
