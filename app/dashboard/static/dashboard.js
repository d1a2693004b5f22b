// Vägval dashboard (SPEC §8): reads /v1/stats and /v1/reports with the key kept in sessionStorage only.
// Plain JavaScript, no build step, nothing loaded from outside the service.
"use strict";

const KEY_STORE = "vagval.apiKey";
const LANG_STORE = "vagval.lang";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const FORMATS = { json: "application/json", csv: "text/csv", xlsx: XLSX };

const TEXT = {
  sv: {
    title: "Vägval – uppföljning av internationellt arbete",
    skip: "Hoppa till innehållet",
    heading: "Uppföljning av Luleå kommuns internationella arbete",
    switchTo: "English",
    forgetKey: "Glöm nyckeln",
    navLabel: "Sidans delar",
    navFigures: "Nyckeltal",
    navCharts: "Utsläpp och beslut",
    navDecisions: "Senaste beslut",
    navDownloads: "Rapporter och nedladdningar",
    noscript: "Sidan behöver JavaScript.",
    loginHeading: "Logga in med en API-nyckel",
    loginIntro: "Sidan läser samma siffror som API:t. En nyckel med rollen läsare räcker.",
    keyLabel: "API-nyckel",
    keyHint: "Nyckeln sparas bara i den här fliken och glöms när du stänger den.",
    keySubmit: "Visa siffrorna",
    keyMissing: "Skriv in en API-nyckel.",
    keyRejected: "Nyckeln godtogs inte. Skriv in en giltig nyckel.",
    keyForgotten: "Nyckeln är glömd.",
    selectionHeading: "Urval",
    yearLabel: "År",
    departmentLabel: "Förvaltning eller bolag",
    allYears: "Alla år",
    allDepartments: "Alla förvaltningar och bolag",
    everyDepartment: "alla förvaltningar och bolag",
    everyYear: "alla år",
    asOf: "Senast ändrat förslag i urvalet: {time}.",
    asOfNone: "Inga förslag i urvalet.",
    signedIn: "Inloggad som {client}, med rollen {role}.",
    figuresHeading: "Nyckeltal",
    figProposals: "Förslag",
    figShareApproved: "Andel beviljade",
    figCo2e: "Beräknade utsläpp",
    figCo2eApproved: "Utsläpp från beviljade resor",
    figAvoided: "Undvikna utsläpp",
    figShareDigital: "Resor som blev digitala möten",
    noteProposals: "{decided} beslutade, {open} väntar på beslut",
    noteShareApproved: "{approved} av {decided} beslutade förslag",
    noteCo2e: "{value} utan höghöjdseffekt",
    noteCo2eApproved: "Resorna som blir av",
    noteAvoided: "Digitala möten {digital}, byte av färdsätt {shift}; möjligt i öppna ärenden {potential}",
    noteShareDigital: "{digital} av {trips} beslutade resor",
    noDecisions: "inga beslut ännu",
    chartsHeading: "Utsläpp och beslut",
    chartsIntro: "Varje diagram finns också som tabell. Utsläppen räknas med höghöjdseffekt, i kilogram koldioxidekvivalenter.",
    chartMonth: "Beräknade utsläpp per månad",
    chartDepartment: "Beräknade utsläpp per förvaltning eller bolag",
    chartGoal: "Beräknade utsläpp per övergripande mål",
    chartRecommendation: "Förslag per rekommendation",
    chartStatus: "Förslag per status",
    captionMonth: "Beräknade utsläpp och förslag per månad",
    captionDepartment: "Beräknade utsläpp och förslag per förvaltning eller bolag",
    captionGoal: "Beräknade utsläpp och förslag per övergripande mål (bara motiverade mål räknas)",
    captionRecommendation: "Förslag per aktuell rekommendation (återkallade räknas inte)",
    captionStatus: "Förslag per status, återkallade medräknade",
    colMonth: "Månad",
    colDepartment: "Förvaltning eller bolag",
    colGoal: "Mål",
    colSdgs: "Globala mål",
    colRecommendation: "Rekommendation",
    colStatus: "Status",
    colCo2e: "CO₂e (kg)",
    colCo2eApproved: "Varav beviljat (kg)",
    colProposals: "Förslag",
    colDecidedAt: "Beslutsdatum",
    colTitle: "Förslag",
    colKind: "Typ",
    colDecision: "Beslut",
    colDeparts: "Avsteg",
    chartSummary: "Störst är {label} med {value}; totalt {total} fördelat på {count}.",
    chartOverlapping: "Störst är {label} med {value} av {count}; ett förslag kan räknas på flera rader.",
    chartZero: "Alla {count} har värdet 0.",
    chartEmpty: "Det finns inget att visa för det valda urvalet.",
    tableToggle: "Tabell med siffrorna ({count})",
    rowOne: "rad",
    rowMany: "rader",
    chartUnavailable: "Diagrammet kunde inte visas; tabellen intill har samma siffror.",
    decisionsHeading: "Senaste beslut",
    decisionsCaption: "De tio senaste besluten i urvalet, nyast först",
    decisionsEmpty: "Inga beslut i urvalet.",
    yes: "Ja",
    no: "Nej",
    downloadsHeading: "Rapporter och nedladdningar",
    downloadsIntro: "Filerna hämtas med din nyckel och sparas i webbläsarens nedladdningar.",
    planHeading: "Aktivitetsplan",
    planScope: "För {year} och {department}: alla förslag grupperade per fokusområde, med summor per fokusområde och mål.",
    climateHeading: "Klimatrapport",
    climateScope: "För {years} och {department}: beviljade resors utsläpp per år mot basåret och vägen till klimatneutralitet.",
    climateAllYears: "åren från basåret till det senaste",
    exportHeading: "Förslagen i urvalet",
    exportScope: "För {year} och {department}: ett förslag per rad.",
    exportViewer: "Exporten av enskilda förslag kräver en nyckel för handläggare eller inlämnare; din nyckel är en läsarnyckel.",
    currentYear: "innevarande år ({year})",
    downloadLabel: "Ladda ned {name} som {format}",
    downloading: "Hämtar {name} …",
    downloaded: "{file} är nedladdad.",
    loading: "Hämtar siffrorna …",
    loaded: "Siffrorna är uppdaterade.",
    errorPrefix: "Något gick fel: ",
    networkError: "Tjänsten svarar inte. Försök igen om en stund.",
    noValue: "–",
    roles: { viewer: "läsare", officer: "handläggare", admin: "administratör", submitter: "inlämnare" },
    status: {
      screened: "Granskat, väntar på beslut", approved: "Beviljat", rejected: "Avslaget",
      returned: "Återremitterat för komplettering", withdrawn: "Återkallat",
    },
    recommendation: {
      approve: "Bevilja", approve_with_conditions: "Bevilja med villkor", prefer_digital: "Välj digitalt möte",
      needs_information: "Behöver kompletteras", reject: "Avslå",
    },
    kind: { trip: "Resa", project: "Projekt", activity: "Aktivitet" },
    footer: "Vägval – Luleå kommun. Siffrorna kommer från tjänstens API (/v1/stats och /v1/reports).",
  },
  en: {
    title: "Vägval – follow-up of international work",
    skip: "Skip to content",
    heading: "Follow-up of Luleå municipality's international work",
    switchTo: "Svenska",
    forgetKey: "Forget the key",
    navLabel: "Page sections",
    navFigures: "Key figures",
    navCharts: "Emissions and decisions",
    navDecisions: "Latest decisions",
    navDownloads: "Reports and downloads",
    noscript: "This page needs JavaScript.",
    loginHeading: "Sign in with an API key",
    loginIntro: "The page reads the same figures as the API. A key with the viewer role is enough.",
    keyLabel: "API key",
    keyHint: "The key is kept in this tab only and forgotten when you close it.",
    keySubmit: "Show the figures",
    keyMissing: "Enter an API key.",
    keyRejected: "The key was not accepted. Enter a valid key.",
    keyForgotten: "The key is forgotten.",
    selectionHeading: "Selection",
    yearLabel: "Year",
    departmentLabel: "Department or company",
    allYears: "All years",
    allDepartments: "All departments and companies",
    everyDepartment: "all departments and companies",
    everyYear: "all years",
    asOf: "Latest change among the selected proposals: {time}.",
    asOfNone: "No proposals in the selection.",
    signedIn: "Signed in as {client}, with the role {role}.",
    figuresHeading: "Key figures",
    figProposals: "Proposals",
    figShareApproved: "Share approved",
    figCo2e: "Estimated emissions",
    figCo2eApproved: "Emissions of approved travel",
    figAvoided: "Emissions avoided",
    figShareDigital: "Trips turned into digital meetings",
    noteProposals: "{decided} decided, {open} awaiting a decision",
    noteShareApproved: "{approved} of {decided} decided proposals",
    noteCo2e: "{value} without radiative forcing",
    noteCo2eApproved: "The travel that happens",
    noteAvoided: "Digital meetings {digital}, mode shift {shift}; possible in open cases {potential}",
    noteShareDigital: "{digital} of {trips} decided trips",
    noDecisions: "no decisions yet",
    chartsHeading: "Emissions and decisions",
    chartsIntro: "Every chart is also given as a table. Emissions include radiative forcing, in kilograms of CO₂ equivalents.",
    chartMonth: "Estimated emissions by month",
    chartDepartment: "Estimated emissions by department",
    chartGoal: "Estimated emissions by overarching goal",
    chartRecommendation: "Proposals by recommendation",
    chartStatus: "Proposals by status",
    captionMonth: "Estimated emissions and proposals by month",
    captionDepartment: "Estimated emissions and proposals by department or company",
    captionGoal: "Estimated emissions and proposals by overarching goal (motivated goals only)",
    captionRecommendation: "Proposals by current recommendation (withdrawn ones not counted)",
    captionStatus: "Proposals by status, withdrawn ones included",
    colMonth: "Month",
    colDepartment: "Department or company",
    colGoal: "Goal",
    colSdgs: "SDGs",
    colRecommendation: "Recommendation",
    colStatus: "Status",
    colCo2e: "CO₂e (kg)",
    colCo2eApproved: "Of which approved (kg)",
    colProposals: "Proposals",
    colDecidedAt: "Decided on",
    colTitle: "Proposal",
    colKind: "Kind",
    colDecision: "Decision",
    colDeparts: "Departure",
    chartSummary: "The largest is {label} with {value}; the total is {total} over {count}.",
    chartOverlapping: "The largest is {label} with {value} of {count}; a proposal can count in several rows.",
    chartZero: "All {count} are 0.",
    chartEmpty: "There is nothing to show for the selected filters.",
    tableToggle: "Table of the figures ({count})",
    rowOne: "row",
    rowMany: "rows",
    chartUnavailable: "The chart could not be shown; the table beside it has the same figures.",
    decisionsHeading: "Latest decisions",
    decisionsCaption: "The ten latest decisions in the selection, newest first",
    decisionsEmpty: "No decisions in the selection.",
    yes: "Yes",
    no: "No",
    downloadsHeading: "Reports and downloads",
    downloadsIntro: "The files are fetched with your key and saved in the browser's downloads.",
    planHeading: "Activity plan",
    planScope: "For {year} and {department}: every proposal grouped by focus area, with totals per focus area and goal.",
    climateHeading: "Climate report",
    climateScope: "For {years} and {department}: approved travel's emissions per year against the baseline and the path to climate neutrality.",
    climateAllYears: "the years from the baseline to the latest",
    exportHeading: "The selected proposals",
    exportScope: "For {year} and {department}: one proposal per row.",
    exportViewer: "Exporting single proposals needs an officer's or a submitter's key; yours is a viewer key.",
    currentYear: "the current year ({year})",
    downloadLabel: "Download {name} as {format}",
    downloading: "Fetching {name} …",
    downloaded: "{file} is downloaded.",
    loading: "Fetching the figures …",
    loaded: "The figures are up to date.",
    errorPrefix: "Something went wrong: ",
    networkError: "The service does not answer. Try again in a while.",
    noValue: "–",
    roles: { viewer: "viewer", officer: "officer", admin: "administrator", submitter: "submitter" },
    status: {
      screened: "Screened, awaiting a decision", approved: "Approved", rejected: "Rejected",
      returned: "Returned for amendment", withdrawn: "Withdrawn",
    },
    recommendation: {
      approve: "Approve", approve_with_conditions: "Approve with conditions", prefer_digital: "Prefer a digital meeting",
      needs_information: "Needs information", reject: "Reject",
    },
    kind: { trip: "Trip", project: "Project", activity: "Activity" },
    footer: "Vägval – Luleå kommun. The figures come from the service's API (/v1/stats and /v1/reports).",
  },
};

// The server-drawn charts (GET /v1/stats/by/{dimension}, SVG) and the two drawn here from the summary.
const SERVER_CHARTS = [
  { id: "month", dimension: "month", title: "chartMonth", caption: "captionMonth", column: "colMonth" },
  { id: "department", dimension: "department", title: "chartDepartment", caption: "captionDepartment", column: "colDepartment" },
  { id: "goal", dimension: "goal", title: "chartGoal", caption: "captionGoal", column: "colGoal", sdgs: true, overlapping: true },
];
const COUNT_CHARTS = [
  { id: "recommendation", field: "by_recommendation", title: "chartRecommendation", caption: "captionRecommendation", column: "colRecommendation" },
  { id: "status", field: "by_status", title: "chartStatus", caption: "captionStatus", column: "colStatus" },
];

const OPEN_TABLE_ROWS = 12;

const state = {
  lang: sessionStorage.getItem(LANG_STORE) === "en" ? "en" : "sv",
  me: null,
  years: [],
  departments: [],
  active: new Set(),
  generation: 0,
  controller: null,
};

const $ = (id) => document.getElementById(id);
const t = (name) => TEXT[state.lang][name];
const locale = () => (state.lang === "sv" ? "sv-SE" : "en-GB");

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

class AuthError extends Error {}

// -- formatting ---------------------------------------------------------------------------------------------------

function number(value, decimals = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return t("noValue");
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value);
}

const kg = (value) => `${number(value, 1)}\u00a0kg`;

function percent(value) {
  if (value === null || value === undefined) return t("noValue");
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(value);
}

function dateTime(iso, withTime) {
  const options = withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(locale(), { ...options, timeZone: "Europe/Stockholm" }).format(new Date(iso));
}

const label = (row) => (state.lang === "sv" ? row.label_sv : row.label_en) || row.label_sv || String(row.key ?? "");

// -- the key ------------------------------------------------------------------------------------------------------

const getKey = () => sessionStorage.getItem(KEY_STORE);

function forgetKey() {
  sessionStorage.removeItem(KEY_STORE);
  state.me = null;
}

// -- talking to the API -------------------------------------------------------------------------------------------

async function problemText(response) {
  try {
    const body = await response.json();
    if (body && (body.detail || body.title)) return body.detail || body.title;
  } catch (_) { /* not JSON */ }
  return `HTTP ${response.status}`;
}

async function request(path, accept = "application/json", signal = undefined) {
  const key = getKey();
  if (!key) throw new AuthError(t("keyMissing"));
  let response;
  try {
    response = await fetch(path, {
      headers: { Authorization: `Bearer ${key}`, Accept: accept, "Accept-Language": state.lang },
      credentials: "omit",
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new Error(t("networkError"));
  }
  if (response.status === 401) {
    forgetKey();
    throw new AuthError(await problemText(response));
  }
  if (!response.ok) throw new Error(await problemText(response));
  return response;
}

const getJson = async (path, signal) => (await request(path, "application/json", signal)).json();
const getText = async (path, accept, signal) => (await request(path, accept, signal)).text();

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function filters() {
  return { year: $("filter-year").value, department: $("filter-department").value };
}

// -- status and errors --------------------------------------------------------------------------------------------

function setStatus(message) {
  $("status").textContent = message;
}

function showError(message) {
  const box = $("error");
  if (!message) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.textContent = t("errorPrefix") + message;
  box.hidden = false;
}

function setBusy(busy) {
  $("main").setAttribute("aria-busy", busy ? "true" : "false");
}

// -- static texts and language ------------------------------------------------------------------------------------

function applyTexts() {
  document.documentElement.lang = state.lang;
  document.title = t("title");
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of document.querySelectorAll("[data-i18n-aria-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nAriaLabel));
  }
  const other = state.lang === "sv" ? "en" : "sv";
  const toggle = $("lang-switch");
  toggle.textContent = t("switchTo");
  toggle.lang = other;
  for (const button of document.querySelectorAll("[data-download]")) {
    const name = t({ plan: "planHeading", climate: "climateHeading", proposals: "exportHeading" }[button.dataset.download]);
    button.setAttribute("aria-label", fill(t("downloadLabel"), { name, format: button.textContent }));
  }
}

// -- building the chart sections ----------------------------------------------------------------------------------

function element(tag, attributes = {}, text = undefined) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function buildChartSections() {
  const list = $("chart-list");
  list.replaceChildren();
  for (const chart of [...SERVER_CHARTS, ...COUNT_CHARTS]) {
    const section = element("div", { class: "chart", id: `chart-${chart.id}` });
    section.append(element("h3", { id: `chart-${chart.id}-heading`, "data-i18n": chart.title }, t(chart.title)));
    section.append(element("p", { class: "chart-summary", id: `summary-${chart.id}` }));
    const body = element("div", { class: "chart-body" });
    body.append(element("div", { class: "chart-svg", id: `svg-${chart.id}` }));
    // a table wider than a narrow screen scrolls: its wrapper is a named region reachable by keyboard
    const wrap = element("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": `caption-${chart.id}` });
    const table = element("table", { id: `table-${chart.id}` });
    table.append(element("caption", { id: `caption-${chart.id}`, "data-i18n": chart.caption }, t(chart.caption)));
    const head = element("tr");
    head.append(element("th", { scope: "col", "data-i18n": chart.column }, t(chart.column)));
    if (chart.sdgs) head.append(element("th", { scope: "col", "data-i18n": "colSdgs" }, t("colSdgs")));
    if (chart.dimension) {
      head.append(element("th", { scope: "col", class: "num", "data-i18n": "colCo2e" }, t("colCo2e")));
      head.append(element("th", { scope: "col", class: "num", "data-i18n": "colCo2eApproved" }, t("colCo2eApproved")));
    }
    head.append(element("th", { scope: "col", class: "num", "data-i18n": "colProposals" }, t("colProposals")));
    const thead = element("thead");
    thead.append(head);
    table.append(thead, element("tbody"));
    wrap.append(table);
    // the table under a disclosure, open while it is short; a long one (every month of several years) starts closed
    const details = element("details", { class: "table-details", id: `details-${chart.id}` });
    const toggle = element("summary", { id: `toggle-${chart.id}` });
    toggle.addEventListener("click", () => { details.dataset.chosen = "true"; });
    details.append(toggle, wrap);
    body.append(details);
    section.append(body);
    list.append(section);
  }
}

// -- rendering ----------------------------------------------------------------------------------------------------

function setFigure(id, value, shown, note) {
  const figure = $(id);
  figure.dataset.value = value === null || value === undefined ? "" : String(value);
  figure.textContent = shown;
  $(id.replace("fig-", "note-")).textContent = note;
}

function renderFigures(summary) {
  const open = (summary.by_status.screened || 0) + (summary.by_status.returned || 0);
  const approved = summary.by_status.approved || 0;
  const avoided = Math.round((summary.avoided_digital_kg + summary.avoided_mode_shift_kg) * 10) / 10;
  setFigure("fig-proposals", summary.proposals, number(summary.proposals),
    fill(t("noteProposals"), { decided: number(summary.decided), open: number(open) }));
  setFigure("fig-share-approved", summary.share_approved, percent(summary.share_approved),
    summary.decided ? fill(t("noteShareApproved"), { approved: number(approved), decided: number(summary.decided) }) : t("noDecisions"));
  setFigure("fig-co2e", summary.co2e_kg, kg(summary.co2e_kg), fill(t("noteCo2e"), { value: kg(summary.co2e_kg_without_rf) }));
  setFigure("fig-co2e-approved", summary.co2e_kg_approved, kg(summary.co2e_kg_approved), t("noteCo2eApproved"));
  setFigure("fig-avoided", avoided, kg(avoided), fill(t("noteAvoided"), {
    digital: kg(summary.avoided_digital_kg), shift: kg(summary.avoided_mode_shift_kg), potential: kg(summary.potential_avoided_kg),
  }));
  setFigure("fig-share-digital", summary.share_turned_digital, percent(summary.share_turned_digital),
    summary.trips_decided ? fill(t("noteShareDigital"), { digital: number(summary.trips_turned_digital), trips: number(summary.trips_decided) }) : t("noDecisions"));
  $("as-of").textContent = summary.as_of ? fill(t("asOf"), { time: dateTime(summary.as_of, true) }) : t("asOfNone");
}

function summarise(items, unit, decimals, overlapping = false) {
  if (!items.length) return t("chartEmpty");
  const count = `${number(items.length)} ${items.length === 1 ? t("rowOne") : t("rowMany")}`;
  let largest = items[0];
  for (const item of items) if (item.value > largest.value) largest = item;
  if (largest.value === 0) return fill(t("chartZero"), { count });
  const withUnit = (value) => (unit ? `${number(value, decimals)}\u00a0${unit}` : number(value, decimals));
  const total = items.reduce((sum, item) => sum + item.value, 0);
  return fill(t(overlapping ? "chartOverlapping" : "chartSummary"), { label: largest.label, value: withUnit(largest.value), total: withUnit(total), count });
}

function numberCell(value, decimals) {
  return element("td", { class: "num", "data-value": value === null || value === undefined ? "" : String(value) }, number(value, decimals));
}

function showTable(chart, count) {
  $(`toggle-${chart.id}`).textContent = fill(t("tableToggle"), {
    count: `${number(count)} ${count === 1 ? t("rowOne") : t("rowMany")}`,
  });
  const details = $(`details-${chart.id}`);
  if (!details.dataset.chosen) details.open = count <= OPEN_TABLE_ROWS;
}

function renderServerTable(chart, rows) {
  const body = $(`table-${chart.id}`).tBodies[0];
  body.replaceChildren();
  for (const row of rows) {
    const tr = element("tr", { "data-key": row.key === null ? "" : String(row.key) });
    tr.append(element("th", { scope: "row" }, label(row)));
    if (chart.sdgs) tr.append(element("td", {}, (row.sdgs || []).join(", ")));
    tr.append(numberCell(row.co2e_kg, 1), numberCell(row.co2e_kg_approved, 1), numberCell(row.proposals, 0));
    body.append(tr);
  }
  showTable(chart, rows.length);
  $(`summary-${chart.id}`).textContent = summarise(rows.map((row) => ({ label: label(row), value: row.co2e_kg })), "kg CO₂e", 1, chart.overlapping);
}

function insertSvg(container, text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = parsed.documentElement;
  if (svg.nodeName !== "svg" || parsed.getElementsByTagName("parsererror").length) throw new Error("not an SVG document");
  for (const node of svg.querySelectorAll("script, foreignObject")) node.remove();
  for (const node of [svg, ...svg.querySelectorAll("*")]) {
    for (const attribute of [...node.attributes]) if (/^on/i.test(attribute.name)) node.removeAttribute(attribute.name);
  }
  svg.setAttribute("focusable", "false");
  container.replaceChildren(document.importNode(svg, true));
}

const SVG_NS = "http://www.w3.org/2000/svg";

function svgNode(tag, attributes = {}, text = undefined) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// A bar chart drawn here, as the server draws its own (app/dashboard/charts.py), for the summary's counts.
function drawCountChart(container, id, title, items, description) {
  const width = 720, top = 44, row = 30, barHeight = 20, bottom = 12;
  const height = top + row * Math.max(items.length, 1) + bottom + (items.length ? 0 : 28);
  const svg = svgNode("svg", {
    width, height, viewBox: `0 0 ${width} ${height}`, role: "img", focusable: "false",
    "aria-labelledby": `draw-${id}-title draw-${id}-desc`, "font-family": "system-ui, sans-serif", "font-size": 14, fill: "#1b1b1b",
  });
  svg.append(svgNode("title", { id: `draw-${id}-title` }, title), svgNode("desc", { id: `draw-${id}-desc` }, description));
  svg.append(svgNode("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
  svg.append(svgNode("text", { x: 8, y: 24, "font-size": 16, "font-weight": "bold" }, title));
  const labelWidth = Math.min(280, Math.max(60, Math.ceil(Math.max(...items.map((i) => i.label.length), 0) * 7.8) + 16));
  const span = width - labelWidth - 150;
  const largest = Math.max(...items.map((i) => i.value), 0) || 1;
  items.forEach((item, index) => {
    const middle = top + index * row + row / 2;
    const length = item.value > 0 ? Math.round((span * item.value / largest) * 10) / 10 : 0;
    const group = svgNode("g", { class: "bar", "data-key": item.key, "data-value": item.value });
    group.append(svgNode("text", { class: "label", x: labelWidth - 8, y: middle, dy: "0.35em", "text-anchor": "end" }, item.label));
    group.append(svgNode("rect", { x: labelWidth, y: middle - barHeight / 2, width: length, height: barHeight, fill: "#1f5c99" }));
    group.append(svgNode("text", { class: "value", x: labelWidth + length + 6, y: middle, dy: "0.35em" }, number(item.value)));
    svg.append(group);
  });
  if (!items.length) svg.append(svgNode("text", { x: width / 2, y: top + 28, "text-anchor": "middle" }, description));
  else svg.append(svgNode("line", { x1: labelWidth, y1: top - 4, x2: labelWidth, y2: height - bottom + 4, stroke: "#595959" }));
  container.replaceChildren(svg);
}

function renderCountChart(chart, counts) {
  const names = TEXT[state.lang][chart.id];
  const items = Object.keys(names).map((key) => ({ key, label: names[key], value: counts[key] || 0 }));
  const body = $(`table-${chart.id}`).tBodies[0];
  body.replaceChildren();
  for (const item of items) {
    const tr = element("tr", { "data-key": item.key });
    tr.append(element("th", { scope: "row" }, item.label), numberCell(item.value, 0));
    body.append(tr);
  }
  showTable(chart, items.length);
  const shown = items.some((item) => item.value > 0) ? items : [];
  const description = summarise(shown, "", 0);
  $(`summary-${chart.id}`).textContent = description;
  drawCountChart($(`svg-${chart.id}`), chart.id, t(chart.title), shown, description);
}

function departmentName(slug) {
  const found = state.departments.find((row) => row.key === slug);
  return found ? label(found) : slug;
}

function renderDecisions(items) {
  const body = $("table-decisions").tBodies[0];
  body.replaceChildren();
  if (!items.length) {
    const tr = element("tr");
    tr.append(element("td", { colspan: "8" }, t("decisionsEmpty")));
    body.append(tr);
    return;
  }
  for (const item of items) {
    const tr = element("tr", { "data-id": item.id });
    tr.append(
      element("td", {}, dateTime(item.decided_at, false)),
      element("th", { scope: "row" }, item.title),
      element("td", {}, departmentName(item.department)),
      element("td", {}, t("kind")[item.kind] || item.kind),
      element("td", {}, t("status")[item.decision] || item.decision),
      element("td", {}, t("recommendation")[item.recommendation] || item.recommendation),
      element("td", {}, item.departs ? t("yes") : t("no")),
      numberCell(item.co2e_kg, 1),
    );
    body.append(tr);
  }
}

function selectionWords() {
  const { year, department } = filters();
  return {
    year: year || fill(t("currentYear"), { year: new Date().getFullYear() }),
    years: year || t("climateAllYears"),
    department: department ? departmentName(department) : t("everyDepartment"),
  };
}

function renderDownloads() {
  const words = selectionWords();
  $("plan-scope").textContent = fill(t("planScope"), words);
  $("climate-scope").textContent = fill(t("climateScope"), words);
  const viewer = state.me && state.me.role === "viewer";
  $("export-buttons").hidden = viewer;
  $("export-scope").textContent = viewer ? t("exportViewer") : fill(t("exportScope"), { ...words, year: filters().year || t("everyYear") });
}

// -- loading ------------------------------------------------------------------------------------------------------

function fillSelect(select, rows, allText, current) {
  select.replaceChildren(element("option", { value: "" }, allText));
  for (const row of rows) {
    if (row.key === null || row.key === undefined) continue;
    select.append(element("option", { value: String(row.key) }, label(row)));
  }
  select.value = [...select.options].some((option) => option.value === current) ? current : "";
}

async function loadOptions() {
  const current = filters();
  const [years, departments, organisation] = await Promise.all(
    [getJson("/v1/stats/by/year"), getJson("/v1/stats/by/department"), getJson("/v1/departments")]);
  state.years = years.rows;
  state.departments = departments.rows;
  // a retired department keeps its figures in the charts, but the filter takes active ones only (SPEC §13)
  state.active = new Set(organisation.filter((d) => d.active).map((d) => d.slug));
  fillSelect($("filter-year"), state.years, t("allYears"), current.year);
  fillSelect($("filter-department"), filterable(), t("allDepartments"), current.department);
}

function filterable() {
  return state.departments.filter((row) => state.active.has(row.key));
}

async function loadFigures() {
  const generation = ++state.generation;
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const signal = controller.signal;
  const selected = filters();
  const q = query(selected);
  setBusy(true);
  setStatus(t("loading"));
  showError("");
  try {
    // all at once; a chart that fails leaves its table (same figures) and a note, not an error for the whole page
    const charts = Promise.allSettled(SERVER_CHARTS.map((chart) => getText(
      `/v1/stats/by/${chart.dimension}${query({ ...selected, measure: "co2e_kg" })}`, "image/svg+xml", signal)));
    const [summary, decisions, ...tables] = await Promise.all([
      getJson(`/v1/stats/summary${q}`, signal),
      getJson(`/v1/stats/decisions${query({ ...selected, limit: 10 })}`, signal),
      ...SERVER_CHARTS.map((chart) => getJson(`/v1/stats/by/${chart.dimension}${q}`, signal)),
    ]);
    const svgs = await charts;
    if (generation !== state.generation) return false;
    renderFigures(summary);
    SERVER_CHARTS.forEach((chart, index) => {
      renderServerTable(chart, tables[index].rows);
      const container = $(`svg-${chart.id}`);
      const result = svgs[index];
      try {
        if (result.status !== "fulfilled") throw result.reason;
        insertSvg(container, result.value);
      } catch (error) {
        if (error instanceof AuthError) throw error;
        container.replaceChildren(element("p", { class: "hint" }, t("chartUnavailable")));
      }
    });
    COUNT_CHARTS.forEach((chart) => renderCountChart(chart, summary[chart.field]));
    renderDecisions(decisions.items);
    renderDownloads();
    $("main").dataset.loadedFilters = q;
    $("main").dataset.loadedLang = state.lang;
    setStatus(t("loaded"));
    return true;
  } catch (error) {
    if (error.name === "AbortError" || generation !== state.generation) return false;
    handleError(error);
    return false;
  } finally {
    if (generation === state.generation) setBusy(false);
  }
}

function handleError(error) {
  setStatus("");
  if (error instanceof AuthError) {
    showLogin(t("keyRejected") + (error.message && error.message !== t("keyMissing") ? ` (${error.message})` : ""));
    return;
  }
  showError(error.message);
}

// -- screens ------------------------------------------------------------------------------------------------------

function showLogin(message) {
  forgetKey();
  $("content").hidden = true;
  $("site-nav").hidden = true;
  $("forget-key").hidden = true;
  $("login").hidden = false;
  $("main").removeAttribute("data-loaded-filters");
  if (message) showError(message);
  $("api-key").value = "";
  $("api-key").focus();
}

async function start() {
  showError("");
  try {
    setBusy(true);
    setStatus(t("loading"));
    state.me = await getJson("/v1/me");
    await loadOptions();
  } catch (error) {
    setBusy(false);
    handleError(error);
    return;
  }
  $("login").hidden = true;
  $("content").hidden = false;
  $("site-nav").hidden = false;
  $("forget-key").hidden = false;
  if (!(await loadFigures())) return;
  setStatus(`${t("loaded")} ${fill(t("signedIn"), { client: state.me.client, role: t("roles")[state.me.role] || state.me.role })}`);
}

// -- downloads ----------------------------------------------------------------------------------------------------

function downloadPath(kind, format) {
  const { year, department } = filters();
  if (kind === "plan") return `/v1/reports/activity-plan${query({ year, department })}`;
  if (kind === "climate") return `/v1/reports/climate${query({ from_year: year, to_year: year, department })}`;
  return `/v1/proposals${query({ year, department })}`;
}

function fileName(response, kind, format) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  if (match) return match[1];
  const { year, department } = filters();
  const base = { plan: "aktivitetsplan", climate: "klimatrapport", proposals: "forslag" }[kind];
  return [base, year, department].filter(Boolean).join("-") + `.${format}`;
}

async function download(button) {
  const kind = button.dataset.download;
  const format = button.dataset.format;
  const name = t({ plan: "planHeading", climate: "climateHeading", proposals: "exportHeading" }[kind]);
  button.disabled = true;
  showError("");
  setStatus(fill(t("downloading"), { name }));
  try {
    const response = await request(downloadPath(kind, format), FORMATS[format]);
    const blob = await response.blob();
    const file = fileName(response, kind, format);
    const url = URL.createObjectURL(blob);
    const link = element("a", { href: url, download: file, hidden: "" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    setStatus(fill(t("downloaded"), { file }));
  } catch (error) {
    handleError(error);
  } finally {
    button.disabled = false;
    button.focus();
  }
}

// -- wiring -------------------------------------------------------------------------------------------------------

function init() {
  buildChartSections();
  applyTexts();

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("api-key").value.trim();
    if (!key) {
      showError(t("keyMissing"));
      $("api-key").focus();
      return;
    }
    sessionStorage.setItem(KEY_STORE, key);
    $("api-key").value = "";
    start();
  });

  $("forget-key").addEventListener("click", () => {
    showLogin("");
    setStatus(t("keyForgotten"));
  });

  $("lang-switch").addEventListener("click", async () => {
    state.lang = state.lang === "sv" ? "en" : "sv";
    sessionStorage.setItem(LANG_STORE, state.lang);
    applyTexts();
    if (!getKey() || $("content").hidden) return;
    fillSelect($("filter-year"), state.years, t("allYears"), filters().year);
    fillSelect($("filter-department"), filterable(), t("allDepartments"), filters().department);
    await loadFigures();
  });

  $("filters").addEventListener("change", () => loadFigures());
  $("filters").addEventListener("submit", (event) => event.preventDefault());

  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => download(button));
  }

  if (getKey()) start();
  else showLogin("");
}

init();
