// app.js - the dashboard page: polls the gateway's JSON API, fills the tiles, draws the charts as SVG.
//
// Our own small code rather than a chart library: a few simple charts need
// bars and lines only, the page stays a few static files with no build step
// and no third-party code to vet, pin or license, and everything it draws is
// made with DOM calls the Content-Security-Policy allows (no inline styles).
"use strict";

const POLL_MS = 1000;           // live: the figures are asked for once a second
const SVG = "http://www.w3.org/2000/svg";

const TEXT = {
  zh: {
    title: "河套深港科技创新合作区 · 园区看板", switch: "English",
    as_of: "数据截至", lag: "延迟", stale: "数据未更新", waiting: "正在载入…",
    footer: "数据来自园区报表服务，每秒更新", logout: "退出",
    major_platforms: "重大科研平台", hk_university_projects: "香港高校科研项目",
    projects_total: "在园项目", projects_high_end: "高端项目",
    industrial_parks_operating: "运营中的产业园区", space_prepared: "已备空间", space_allocated: "已分配空间",
    space_free: "可用空间", funds_budget: "资助预算", funds_committed: "已承诺资助", funds_paid: "已拨付资助",
    funds_cross_boundary: "其中跨境拨付", customs_open: "通关协助案件（处理中）", customs_resolved: "通关协助案件（已办结）",
    whitelisted: "白名单机构", facility_hours: "港澳科研人员设施使用时数",
    chart_sector_time: "各领域项目数（随时间）", chart_sector_now: "各领域项目数（当前）",
    chart_funding: "各资助计划：承诺与拨付", chart_space: "各园区空间使用：已分配与可用（平方米）",
    chart_customs: "通关协助案件（按类别）", chart_customs_time: "办结时长中位数（按类别）",
    customs_breaches: "通关协助时限超时", customs_median: "通关协助办结时长（中位数）",
    declarations: "科研物资申报（按通道）", breaches: "超时", seconds: "秒", minutes: "分钟", budget: "预算", committed: "承诺", paid: "拨付", cross: "跨境",
    prepared: "已备", allocated: "已分配", free: "可用", open: "处理中", resolved: "已办结",
    m2: "平方米", yuan: "元", hours: "小时", by_sector: "按领域", none: "未分类",
    total: "累计", no_data: "暂无数据",
    keys: {
      information_technology: "信息技术", quantum_technology: "量子科技", biopharmaceuticals: "生物医药",
      artificial_intelligence: "人工智能", microelectronics: "微电子", new_materials: "新材料",
      medical_devices: "医疗器械", financial_technology: "金融科技", robotics: "机器人", other: "其他",
      registration_filing: "注册备案", account_establishment: "账册设立", research_goods_import: "科研物资进口",
      biological_samples: "生物样本", hand_carried: "随身携带物品", duties_and_tax: "关税与税收",
      green: "绿色通道", yellow: "黄色通道", red: "红色通道",
    },
  },
  en: {
    title: "Hetao Shenzhen-Hong Kong Science and Technology Innovation Cooperation Zone · Park dashboard",
    switch: "简体中文",
    as_of: "As of", lag: "lag", stale: "figures not updating", waiting: "loading…",
    footer: "Figures from the park's reporting service, updated every second", logout: "Log out",
    major_platforms: "Major research platforms", hk_university_projects: "Hong Kong university projects",
    projects_total: "Projects in the park", projects_high_end: "High-end projects",
    industrial_parks_operating: "Industrial parks in operation", space_prepared: "Space prepared",
    space_allocated: "Space allocated", space_free: "Space free", funds_budget: "Funds budgeted",
    funds_committed: "Funds committed", funds_paid: "Funds paid", funds_cross_boundary: "of which across the boundary",
    customs_open: "Customs assistance cases open", customs_resolved: "Customs assistance cases resolved",
    whitelisted: "White-listed organizations", facility_hours: "Facility hours, Hong Kong and Macao researchers",
    chart_sector_time: "Projects by sector over time", chart_sector_now: "Projects by sector now",
    chart_funding: "Funding committed vs paid, by programme",
    chart_space: "Space occupancy per park: allocated and free (m²)",
    chart_customs: "Customs assistance cases by category",
    chart_customs_time: "Median time to resolution by category",
    customs_breaches: "Customs deadlines breached", customs_median: "Customs cases: median time to resolution",
    declarations: "Research-goods declarations (by lane)", breaches: "breaches", seconds: "seconds", minutes: "minutes", budget: "budgeted", committed: "committed", paid: "paid",
    cross: "cross-boundary", prepared: "prepared", allocated: "allocated", free: "free", open: "open",
    resolved: "resolved", m2: "m²", yuan: "yuan", hours: "hours", by_sector: "by sector", none: "unclassified",
    total: "total", no_data: "no figures yet",
    keys: {
      information_technology: "Information technology", quantum_technology: "Quantum technology",
      biopharmaceuticals: "Biopharmaceuticals", artificial_intelligence: "Artificial intelligence",
      microelectronics: "Microelectronics", new_materials: "New materials", medical_devices: "Medical devices",
      financial_technology: "Financial technology", robotics: "Robotics", other: "Other",
      registration_filing: "Registration filing", account_establishment: "Account establishment",
      research_goods_import: "Research goods import", biological_samples: "Biological samples",
      hand_carried: "Hand-carried goods", duties_and_tax: "Duties and tax",
      green: "green lane", yellow: "yellow lane", red: "red lane",
    },
  },
};

// The tiles: id, label key, how to get the value from the overview, unit key.
const TILES = [
  ["major_platforms", "major_platforms", o => o.major_platforms, ""],
  ["hk_university_projects", "hk_university_projects", o => o.hk_university_projects, ""],
  ["projects_total", "projects_total", o => o.projects_total, ""],
  ["projects_high_end", "projects_high_end", o => o.projects_high_end, "", o => o.projects_high_end_by_sector],
  ["industrial_parks_operating", "industrial_parks_operating", o => o.industrial_parks_operating, ""],
  ["space_prepared", "space_prepared", o => hundredths(o.space_prepared_m2_x100), "m2"],
  ["space_allocated", "space_allocated", o => hundredths(o.space_allocated_m2_x100), "m2"],
  ["space_free", "space_free", o => hundredths(o.space_free_m2_x100), "m2"],
  ["funds_budget", "funds_budget", o => hundredths(o.funds_budget_cny_fen), "yuan"],
  ["funds_committed", "funds_committed", o => hundredths(o.funds_committed_cny_fen), "yuan"],
  ["funds_paid", "funds_paid", o => hundredths(o.funds_paid_cny_fen), "yuan"],
  ["funds_cross_boundary", "funds_cross_boundary", o => hundredths(o.funds_paid_cross_boundary_cny_fen), "yuan"],
  ["customs_open", "customs_open", o => o.customs_cases_open, "", o => o.customs_cases_open_by_category],
  ["customs_resolved", "customs_resolved", o => o.customs_cases_resolved, "", o => o.customs_cases_resolved_by_category],
  ["customs_breaches", "customs_breaches", o => o.customs_deadline_breaches, ""],
  ["customs_median", "customs_median", o => duration(o.customs_median_resolution_s).value,
   o => duration(o.customs_median_resolution_s).unit],
  ["declarations", "declarations", o => sum(o.declarations_by_lane), "", o => o.declarations_by_lane],
  ["whitelisted", "whitelisted", o => o.whitelisted_organizations, ""],
  ["facility_hours", "facility_hours", o => o.facility_hours_hk_macao, "hours"],
];

// ?lang=en or ?lang=zh chooses for this visit (links, screenshots); else the last choice here.
const asked = new URLSearchParams(window.location.search).get("lang");
let language = (asked || localStorage.getItem("hetao.language")) === "en" ? "en" : "zh";
let overview = null, sectors = null, funding = null, customs = null, space = null, lastGood = 0;

function hundredths(x) { return x === undefined ? undefined : Math.floor(x / 100); }
function sum(list) { return list === undefined ? undefined : list.reduce((a, f) => a + (f.count || 0), 0); }
// Seconds as they are below a minute, minutes below an hour, else hours to a
// tenth; nothing for null (no case resolved yet).
function duration(s) {
  if (s === undefined || s === null) return { value: undefined, unit: "" };
  if (s < 60) return { value: s, unit: "seconds" };
  return s < 3600 ? { value: Math.round(s / 60), unit: "minutes" } : { value: Math.round(s / 360) / 10, unit: "hours" };
}
function t(key) { return TEXT[language][key] || key; }
// A sector, case category or lane key in the page's language (the key itself when unknown).
function label(key) { return key === "none" ? t("none") : TEXT[language].keys[key] || key; }
function number(x) { return x === undefined || x === null ? "–" : new Intl.NumberFormat("en-US").format(x); }

function el(tag, attributes, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function buildTiles() {
  const box = document.getElementById("tiles");
  for (const [id] of TILES) {
    const tile = el("div", { class: "tile", id: "t-" + id });
    tile.append(el("div", { class: "label" }), el("div", { class: "value" }), el("div", { class: "detail" }));
    box.append(tile);
  }
}

function applyLanguage() {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  document.getElementById("language").textContent = t("switch");
  render();
}

function sectorText(list) {
  return (list || []).map(f => label(f.key) + " " + number(f.count)).join(" · ");
}

function renderTiles() {
  for (const [id, name, get, unit, detail] of TILES) {
    const tile = document.getElementById("t-" + id);
    tile.querySelector(".label").textContent = t(name);
    const value = tile.querySelector(".value");
    value.textContent = overview ? number(get(overview)) : "–";
    // A unit is a key, or a function of the figures for one that changes (minutes, hours).
    const shown = overview && typeof unit === "function" ? unit(overview) : unit;
    if (shown && typeof shown === "string") value.append(el("span", { class: "unit" }, t(shown)));
    tile.querySelector(".detail").textContent = overview && detail ? sectorText(detail(overview)) : "";
  }
}

// "As of" is the newest event the figures include; lag is how far reporting trailed its sources.
function renderAsOf() {
  const box = document.getElementById("as-of");
  if (!overview) { box.textContent = t("waiting"); return; }
  let newest = 0, lag = 0;
  for (const s of overview.as_of || []) {
    newest = Math.max(newest, s.occurred_at_us || 0);
    lag = Math.max(lag, s.lag_ms || 0);
  }
  const when = newest ? new Date(newest / 1000) : new Date(overview.fetched_at_us / 1000);
  const stale = Date.now() - lastGood > 5 * POLL_MS;
  box.dataset.state = stale ? "stale" : "live";
  box.textContent = t("as_of") + " " + when.toLocaleString(language === "zh" ? "zh-CN" : "en-GB") +
                    " · " + t("lag") + " " + number(lag) + " ms" + (stale ? " · " + t("stale") : "");
}

function clear(svg) { while (svg.firstChild) svg.firstChild.remove(); return svg; }

// A bar chart of [label, value] pairs, with the values written on the bars.
function bars(id, pairs) {
  const svg = clear(document.getElementById(id));
  if (!pairs.length) { svg.append(el("svg:text", { x: 200, y: 120 }, t("no_data"))); return; }
  const max = Math.max(1, ...pairs.map(p => p[1] || 0));
  const width = 440 / Math.max(1, pairs.length);
  svg.append(el("svg:line", { class: "axis", x1: 30, y1: 210, x2: 470, y2: 210 }));
  pairs.forEach(([label, value], i) => {
    const h = Math.round(180 * (value || 0) / max), x = 30 + i * width + width * 0.15;
    svg.append(el("svg:rect", { class: "s" + (i % 8), x: x, y: 210 - h, width: width * 0.7, height: h }));
    svg.append(el("svg:text", { class: "value-label", x: x, y: 204 - h }, number(value || 0)));
    // Many bars leave little room: a long label is cut, in full on hover.
    const room = Math.max(3, Math.floor(width / 6.5));
    const text = el("svg:text", { x: x, y: 228 }, label.length > room ? label.slice(0, room - 1) + "…" : label);
    text.append(el("svg:title", {}, label));
    svg.append(text);
  });
}

// A legend of series names under a chart.
function legend(id, names) {
  const box = document.getElementById(id);
  box.textContent = "";
  names.forEach((name, i) => {
    const item = el("span", {}, name);
    item.prepend(el("span", { class: "swatch s" + (i % 8) }));
    box.append(item);
  });
}

// Bars in groups: one group per [label, [values...]], one colour per series.
function groupedBars(id, groups, series) {
  const svg = clear(document.getElementById(id));
  legend("legend-" + id.slice(6), series);
  if (!groups.length) { svg.append(el("svg:text", { x: 200, y: 120 }, t("no_data"))); return; }
  const max = Math.max(1, ...groups.flatMap(g => g[1].map(v => v || 0)));
  const width = 440 / groups.length, bar = width * 0.8 / series.length;
  svg.append(el("svg:line", { class: "axis", x1: 30, y1: 210, x2: 470, y2: 210 }));
  groups.forEach(([label, values], i) => {
    const x0 = 30 + i * width + width * 0.1;
    values.forEach((value, j) => {
      const h = Math.round(180 * (value || 0) / max), x = x0 + j * bar;
      svg.append(el("svg:rect", { class: "s" + (j % 8), x: x, y: 210 - h, width: bar * 0.9, height: h }));
      if (bar >= 24) svg.append(el("svg:text", { class: "value-label", x: x, y: 204 - h }, number(value || 0)));
    });
    const room = Math.max(3, Math.floor(width / 6.5));
    const text = el("svg:text", { x: x0, y: 228 }, label.length > room ? label.slice(0, room - 1) + "…" : label);
    text.append(el("svg:title", {}, label));
    svg.append(text);
  });
}

// Projects per sector over time: the running total at the end of each
// period reporting counts (reporting.ProjectsBySector, monthly); a sector
// without a registration in a period keeps its total. Up to a year of
// periods as bars grouped by period, more as step lines.
function sectorLines() {
  const periods = (sectors && sectors.periods) || [];
  const keys = [...new Set(periods.map(p => p.sector))].sort();
  const names = [...new Set(periods.map(p => p.period))].sort();
  const totals = keys.map(key => {
    let last = 0;
    return names.map(name => {
      const found = periods.find(p => p.period === name && p.sector === key);
      if (found) last = found.registered_total || 0;
      return last;
    });
  });
  const series = keys.map(k => label(k) + " (" + t("total") + ")");
  if (names.length <= 12) {
    groupedBars("chart-sector-time", names.map((name, i) => [name.slice(0, 7), totals.map(v => v[i])]), series);
    return;
  }
  const svg = clear(document.getElementById("chart-sector-time"));
  legend("legend-sector-time", series);
  const max = Math.max(1, ...totals.flat());
  const step = names.length > 1 ? 400 / (names.length - 1) : 0;
  const x = i => (names.length > 1 ? 50 + i * step : 250), y = v => 210 - 180 * v / max;
  svg.append(el("svg:line", { class: "axis", x1: 40, y1: 210, x2: 460, y2: 210 }));
  svg.append(el("svg:text", { x: 4, y: 34 }, number(max)));
  svg.append(el("svg:text", { x: 4, y: 210 }, "0"));
  // Period labels: every one when few, else about eight.
  const every = Math.max(1, Math.ceil(names.length / 8));
  names.forEach((name, i) => {
    if (i % every === 0 || i === names.length - 1) svg.append(el("svg:text", { x: x(i) - 22, y: 228 }, name.slice(0, 7)));
  });
  totals.forEach((values, k) => {
    // A step line: a total holds until the next period.
    const d = values.map((v, i) => (i ? "H" + x(i) + "V" : "M" + x(i) + " ") + y(v)).join("");
    svg.append(el("svg:path", { class: "line s" + (k % 8), d: d }));
    values.forEach((v, i) => svg.append(el("svg:circle", { class: "s" + (k % 8), cx: x(i), cy: y(v), r: 3 })));
  });
}

// Space occupancy per park (reporting.SpaceByPark): one row per park with
// space prepared or allocated, the allocated part and the free part of its
// prepared area side by side, scaled to the largest park; the share allocated
// at the end. Rows rather than columns: park names are long.
function spaceByPark() {
  const svg = clear(document.getElementById("chart-space"));
  legend("legend-space", [t("allocated"), t("free")]);
  const parks = ((space && space.parks) || []).filter(p => p.prepared_m2_x100 || p.allocated_m2_x100);
  if (!parks.length) { svg.append(el("svg:text", { x: 200, y: 120 }, t("no_data"))); return; }
  const max = Math.max(1, ...parks.map(p => Math.max(p.prepared_m2_x100 || 0, p.allocated_m2_x100 || 0)));
  const row = Math.min(30, 224 / parks.length), x0 = 170, room = 250;
  parks.forEach((p, i) => {
    const y = 6 + i * row, h = Math.max(4, row * 0.7);
    const allocated = p.allocated_m2_x100 || 0, free = Math.max(0, (p.prepared_m2_x100 || 0) - allocated);
    const wa = room * allocated / max, wf = room * free / max;
    const name = (language === "en" ? p.name_en || p.name_zh : p.name_zh || p.name_en) || p.park_id;
    const text = el("svg:text", { x: 4, y: y + h - 2 }, name.length > 26 ? name.slice(0, 25) + "…" : name);
    text.append(el("svg:title", {}, name + ": " + number(hundredths(allocated)) + " / " +
                                   number(hundredths(p.prepared_m2_x100 || 0)) + " " + t("m2")));
    svg.append(text);
    svg.append(el("svg:rect", { class: "s0", x: x0, y: y, width: wa, height: h }));
    svg.append(el("svg:rect", { class: "s1", x: x0 + wa, y: y, width: wf, height: h }));
    const share = p.prepared_m2_x100 ? Math.round(100 * allocated / p.prepared_m2_x100) + "%" : "–";
    svg.append(el("svg:text", { class: "value-label", x: x0 + wa + wf + 4, y: y + h - 2 }, share));
  });
}

function renderCharts() {
  if (!overview) return;
  sectorLines();
  bars("chart-sector-now", (overview.projects_by_sector || []).map(f => [label(f.key), f.count]));
  // Per programme, in its own currency's main unit (reporting.FundingByProgramme).
  groupedBars("chart-funding",
              ((funding && funding.programmes) || []).map(p => [p.name + " (" + p.currency + ")",
                [hundredths(p.committed_minor), hundredths(p.paid_minor), hundredths(p.paid_cross_boundary_minor)]]),
              [t("committed"), t("paid"), t("cross")]);
  spaceByPark();
  // Per case category (reporting.CustomsByCategory): cases open, resolved and
  // deadlines breached; and the median time to resolution, in hours (minutes
  // when every median is under two hours, seconds when under two minutes).
  const categories = (customs && customs.categories) || [];
  groupedBars("chart-customs", categories.map(c => [label(c.category), [c.open || 0, c.resolved || 0, c.breaches || 0]]),
              [t("open"), t("resolved"), t("breaches")]);
  const timed = categories.filter(c => c.median_resolution_s !== undefined);
  const longest = Math.max(0, ...timed.map(c => c.median_resolution_s));
  const [unit, per] = longest < 120 ? ["seconds", 1] : longest < 7200 ? ["minutes", 60] : ["hours", 3600];
  // Hours to a tenth, minutes and seconds whole.
  const value = x => (per === 3600 ? Math.round(x / 360) / 10 : Math.round(x / per));
  bars("chart-customs-time", timed.map(c => [label(c.category), value(c.median_resolution_s)]));
  document.getElementById("unit-customs-time").textContent = timed.length ? " (" + t(unit) + ")" : "";
}

function render() { renderTiles(); renderAsOf(); renderCharts(); }

async function fetchJson(url) {
  const reply = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (reply.status === 401) { window.location.assign("/login"); throw new Error("log in"); }
  if (!reply.ok) throw new Error(url + ": " + reply.status);
  return reply.json();
}

async function poll() {
  try {
    const [o, s, f, c, p] = await Promise.all([fetchJson("/api/overview"), fetchJson("/api/projects-by-sector"),
                                               fetchJson("/api/funding"), fetchJson("/api/customs"),
                                               fetchJson("/api/space")]);
    overview = o;
    sectors = s;
    funding = f;
    customs = c;
    space = p;
    lastGood = Date.now();
    document.body.dataset.updated = String(o.fetched_at_us);
  } catch (e) {
    // Keep the last figures on screen; "as of" turns stale.
  }
  render();
  setTimeout(poll, POLL_MS);
}

// The gateway serves the page with the figures of the moment on <body>
// (data-overview, data-sectors, data-funding, data-customs, data-space): the first paint shows them,
// polls follow.
function served() {
  try {
    const data = document.body.dataset;
    if (!data.overview || !data.sectors || !data.funding || !data.customs || !data.space) return false;
    overview = JSON.parse(data.overview);
    sectors = JSON.parse(data.sectors);
    funding = JSON.parse(data.funding);
    customs = JSON.parse(data.customs);
    space = JSON.parse(data.space);
    lastGood = Date.now();
    document.body.dataset.updated = String(overview.fetched_at_us);
    return true;
  } catch (e) {
    return false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  buildTiles();
  document.getElementById("language").addEventListener("click", () => {
    language = language === "zh" ? "en" : "zh";
    localStorage.setItem("hetao.language", language);
    applyLanguage();
  });
  const ready = served();
  applyLanguage();
  if (ready) setTimeout(poll, POLL_MS); else poll();
});
