// cargorisk dispatcher page: plain JavaScript, every request to this app, every user or
// server string written with textContent (never as HTML).
"use strict";

const TEXT = {
  en: {
    title: "Cross-border route planner", origin: "Origin", destination: "Destination",
    depart: "Departure (origin's local time)", cargo_value: "Cargo value (USD)",
    cargo_type: "Cargo type", objective: "Objective", balanced: "balanced", fastest: "fastest",
    safest: "safest", avoid_states: "Avoid states (comma-separated)",
    avoid_ports: "Avoid ports (comma-separated)", api_key: "API key", submit: "Plan route",
    route: "Route", crossing: "Crossing", km: "km", total_h: "Total hours",
    driving_h: "Driving hours", wait: "Border wait", cost: "Cost (USD)", risk: "Theft risk",
    loss: "Expected loss (USD)", dl_html: "Map (HTML)", dl_png: "Map (PNG)",
    dl_geojson: "Routes (GeoJSON)", print: "Print route sheet",
    sheet: "Route sheet for the driver", stops: "Stops", riskiest: "Riskiest stretches",
    recommended: "recommended", alternative: "alternative", planning: "Planning…",
    no_crossing: "no border crossing", minutes: "min", closed: "closed until",
    one_in: (n) => `about 1 in ${n} trips`, range: (a, b) => `90%: 1 in ${a} to 1 in ${b}`,
    same_as_fastest: (h, x, n) => `The recommended route is also the fastest: ${h} h${x}, theft risk about 1 in ${n} trips.`,
    tradeoff: (time, risk, cost) => `The recommended route ${time}, ${risk} and ${cost}.`,
    takes_more: (d) => `takes ${d} more than the fastest`, takes_less: (d) => `arrives ${d} before the fastest`,
    takes_same: "arrives with the fastest",
    risk_less: (p) => `cuts the theft risk by ${p}%`, risk_more: (p) => `raises the theft risk by ${p}%`,
    risk_same: "carries the same theft risk",
    cost_less: (s) => `costs USD ${s} less in total`, cost_more: (s) => `costs USD ${s} more in total`,
    cost_same: "costs the same in total",
    via: (c) => ` via ${c}`,
    advice: (t, parts) => `Leaving at ${t} ${parts}.`, and: "and",
    arrives_earlier: (h) => `arrives ${h} earlier`, arrives_later: (h) => `arrives ${h} later`,
    arrives_same: "arrives at the same time", arrives: (m) => `arrives ${m}`,
    saves: (s) => `saves USD ${s}`, costs_more: (s) => `costs USD ${s} more`,
    advice_risk: (p) => `theft risk ${p}`,
    advice_crossing: (c, p) => `crosses at ${c} instead of ${p}`,
    minutes_later: (m) => `${m} min later`, minutes_earlier: (m) => `${m} min earlier`,
    errors: {
      place_not_found: "Unknown place", ambiguous_place: "Several places have that name",
      no_route_error: "No route satisfies these constraints", input_error: "Please check the request",
      unknown_field: "The request has a field this server does not know",
      invalid_request: "Please check the request", unauthorized: "This server needs an API key: enter it under “API key”",
      forbidden: "This server does not answer from here", overloaded: "The server is busy; try again in a few seconds",
      deadline: "The request took too long; try again", too_large: "The request is too large",
      internal: "The server failed on this request", network: "The server cannot be reached",
    },
    notes: [[/^only crossings with little truck traffic give a route \(flagged \*\)$/, () => "only crossings with little truck traffic give a route (flagged *)"]],
    heading: (a, b) => `${a} → ${b}`,
    depart_at: "Departure", arrive_at: "Arrival", border: "Border crossing", cargo: "Cargo",
    near: "near",
    stop_kinds: {
      break: "break", rest: "rest", restart: "34-hour restart", "driver change": "driver change",
      closed: "crossing closed", yard: "yard", customs: "customs", inspection: "inspection",
    },
    "fallback crossing": "fallback crossing",
    expected_wait: (m) => `expected wait ${m} min`,
  },
  es: {
    title: "Planificador de rutas transfronterizas", origin: "Origen", destination: "Destino",
    depart: "Salida (hora local del origen)", cargo_value: "Valor de la carga (USD)",
    cargo_type: "Tipo de carga", objective: "Objetivo", balanced: "equilibrado",
    fastest: "más rápida", safest: "más segura", avoid_states: "Evitar estados (separados por comas)",
    avoid_ports: "Evitar puertos (separados por comas)", api_key: "Clave de API",
    submit: "Planear ruta", route: "Ruta", crossing: "Cruce", km: "km", total_h: "Horas totales",
    driving_h: "Horas de manejo", wait: "Espera en frontera", cost: "Costo (USD)",
    risk: "Riesgo de robo", loss: "Pérdida esperada (USD)", dl_html: "Mapa (HTML)",
    dl_png: "Mapa (PNG)", dl_geojson: "Rutas (GeoJSON)", print: "Imprimir hoja de ruta",
    sheet: "Hoja de ruta para el operador", stops: "Paradas", riskiest: "Tramos de mayor riesgo",
    recommended: "recomendada", alternative: "alternativa", planning: "Planeando…",
    no_crossing: "sin cruce fronterizo", minutes: "min", closed: "cerrado hasta",
    one_in: (n) => `aprox. 1 de cada ${n} viajes`, range: (a, b) => `90%: 1 de cada ${a} a 1 de cada ${b}`,
    same_as_fastest: (h, x, n) => `La ruta recomendada es también la más rápida: ${h} h${x}, riesgo de robo de aprox. 1 de cada ${n} viajes.`,
    tradeoff: (time, risk, cost) => `La ruta recomendada ${time}, ${risk} y ${cost}.`,
    takes_more: (d) => `toma ${d} más que la más rápida`, takes_less: (d) => `llega ${d} antes que la más rápida`,
    takes_same: "llega a la misma hora que la más rápida",
    risk_less: (p) => `reduce el riesgo de robo un ${p}%`, risk_more: (p) => `aumenta el riesgo de robo un ${p}%`,
    risk_same: "tiene el mismo riesgo de robo",
    cost_less: (s) => `cuesta USD ${s} menos en total`, cost_more: (s) => `cuesta USD ${s} más en total`,
    cost_same: "cuesta lo mismo en total",
    via: (c) => ` por ${c}`,
    advice: (t, parts) => `Salir a las ${t} ${parts}.`, and: "y",
    arrives_earlier: (h) => `llega ${h} antes`, arrives_later: (h) => `llega ${h} más tarde`,
    arrives_same: "llega a la misma hora", arrives: (m) => `llega ${m}`,
    saves: (s) => `ahorra USD ${s}`, costs_more: (s) => `cuesta USD ${s} más`,
    advice_risk: (p) => `riesgo de robo ${p}`,
    advice_crossing: (c, p) => `cruza por ${c} en lugar de ${p}`,
    minutes_later: (m) => `${m} min más tarde`, minutes_earlier: (m) => `${m} min antes`,
    errors: {
      place_not_found: "Lugar desconocido", ambiguous_place: "Varios lugares tienen ese nombre",
      no_route_error: "Ninguna ruta cumple esas restricciones", input_error: "Revise la solicitud",
      unknown_field: "La solicitud tiene un campo que este servidor no conoce",
      invalid_request: "Revise la solicitud", unauthorized: "Este servidor pide una clave de API: escríbala en «Clave de API»",
      forbidden: "Este servidor no responde desde aquí", overloaded: "El servidor está ocupado; intente de nuevo en unos segundos",
      deadline: "La solicitud tardó demasiado; intente de nuevo", too_large: "La solicitud es demasiado grande",
      internal: "El servidor falló con esta solicitud", network: "No se puede conectar con el servidor",
    },
    notes: [[/^only crossings with little truck traffic give a route \(flagged \*\)$/, () => "solo los cruces con poco tráfico de camiones dan una ruta (marcados *)"]],
    heading: (a, b) => `${a} → ${b}`,
    depart_at: "Salida", arrive_at: "Llegada", border: "Cruce fronterizo", cargo: "Carga",
    near: "cerca de",
    stop_kinds: {
      break: "pausa", rest: "descanso", restart: "reinicio de 34 horas", "driver change": "cambio de operador",
      closed: "cruce cerrado", yard: "patio", customs: "aduana", inspection: "inspección",
    },
    "fallback crossing": "cruce alterno",
    expected_wait: (m) => `espera esperada ${m} min`,
  },
};
const CARGO_ES = {
  general: "carga general", food_beverage: "alimentos y bebidas",
  building_industrial: "materiales de construcción e industriales", agricultural: "productos agrícolas",
  auto_parts: "autopartes", metals: "metales", chemicals: "químicos", electronics: "electrónicos",
  home_garden: "hogar y jardín", alcohol: "bebidas alcohólicas", clothing: "ropa y calzado",
  pharma: "farmacéuticos", personal_care: "cuidado personal", tobacco: "tabaco",
};

const $ = (id) => document.getElementById(id);
const asked = new URLSearchParams(window.location.search).get("lang");
let lang = asked || localStorage.getItem("cargorisk-lang") || (navigator.language || "en").slice(0, 2);
if (!(lang in TEXT)) lang = "en";
let lastPlan = null;
let cargoTypes = [];
const t = (key) => TEXT[lang][key];
const number = (x, digits = 0) =>
  Number(x).toLocaleString(lang === "es" ? "es-MX" : "en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sig = (n) => number(n >= 100 ? Number(n.toPrecision(2)) : Math.round(n));

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function headers(extra = {}) {
  const key = $("api_key").value;
  return key ? { ...extra, "X-API-Key": key } : extra;
}

// an error the user reads: what went wrong in their language, then the server's own line
function failure(code, message) {
  const lead = t("errors")[code];
  return new Error(lead && message ? `${lead}. ${message}` : lead || message);
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: headers(options.headers || {}) });
  } catch (_) {
    throw failure("network", "");
  }
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    throw failure(body.code || (response.status === 503 ? "overloaded" : ""), body.error || `HTTP ${response.status}`);
  }
  return response;
}

// ---- language ----

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((node) => {
    const value = t(node.dataset.i18n);
    if (typeof value === "string") node.textContent = value;
  });
  $("lang").textContent = lang === "en" ? "ES" : "EN";
  fillCargoTypes();
  if (lastPlan) {
    showPlan(lastPlan);
    loadMap(lastPlan.body);  // the map's words too (the plan is not computed again)
  }
}

function fillCargoTypes() {
  const select = $("cargo_type");
  const chosen = select.value || "general";
  select.replaceChildren(...cargoTypes.map((c) => {
    const option = el("option", lang === "es" ? CARGO_ES[c.cargo_type] || c.label : c.label);
    option.value = c.cargo_type;
    if (c.multiplier !== 1) option.textContent += ` (×${number(c.multiplier, 2)})`;
    return option;
  }));
  select.value = chosen;
}

// ---- autocomplete ----

function autocomplete(input, list) {
  let timer = null;
  let active = -1;
  const close = () => { list.hidden = true; active = -1; };
  const choose = (label) => { input.value = label; close(); };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(async () => {
      try {
        const found = await (await api(`/v1/places?q=${encodeURIComponent(q)}&limit=8`)).json();
        list.replaceChildren(...found.map((p) => {
          const item = el("li", p.label);
          item.setAttribute("role", "option");
          item.appendChild(el("small", p.country));
          item.addEventListener("mousedown", (event) => { event.preventDefault(); choose(p.label); });
          return item;
        }));
        list.hidden = found.length === 0;
        active = -1;
      } catch (_) { close(); }
    }, 150);
  });
  input.addEventListener("keydown", (event) => {
    const items = [...list.children];
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach((item, i) => item.classList.toggle("active", i === active));
      event.preventDefault();
    } else if (event.key === "Enter" && active >= 0) {
      choose(items[active].firstChild.textContent);
      event.preventDefault();
    } else if (event.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}

// ---- the request ----

function request() {
  const list = (id) => $(id).value.split(",").map((s) => s.trim()).filter(Boolean);
  const body = {
    origin: $("origin").value.trim(),
    destination: $("destination").value.trim(),
    objective: $("objective").value,
    cargo_type: $("cargo_type").value || "general",
    avoid_states: list("avoid_states"),
    avoid_ports: list("avoid_ports"),
  };
  if ($("depart").value) body.depart = $("depart").value;
  if ($("cargo_value").value !== "") body.cargo_value = Number($("cargo_value").value);
  return body;
}

function query(body) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) value.forEach((v) => params.append(key, v));
    else params.append(key, value);
  }
  return params.toString();
}

let planning = false;

async function plan(event) {
  event.preventDefault();
  if (planning) return;  // one plan per click, however often it is pressed
  planning = true;
  const body = request();
  $("error").hidden = true;
  $("status").textContent = t("planning");
  $("submit").disabled = true;
  try {
    const response = await api("/v1/route", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    lastPlan = { body, plan: await response.json() };
    showPlan(lastPlan);
    $("status").textContent = "";
    await loadMap(body);
  } catch (error) {
    showError(error);
    $("results").hidden = true;  // never an old answer under a new request's error
    lastPlan = null;
  } finally {
    $("submit").disabled = false;
    planning = false;
  }
}

function showError(error) {
  $("status").textContent = "";
  $("error").textContent = error.message;
  $("error").hidden = false;
}

// Run in the map's frame after Leaflet is defined and before folium's own script. The map's one
// fitBounds (to the routes) is made without animation and made again, after invalidateSize, the
// first time the frame comes into view and whenever its size changes: an animated zoom waits for
// the frame to be painted, which a browser puts off while the frame is off-screen (on a phone a
// long lane's map stayed on the whole world). Leaflet's default marker images, which folium
// shows for an instant before its own icons, are a blank image, not files this server lacks.
const MAP_FIT = `<script>(function () {
  var blank = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
  L.Icon.Default.mergeOptions({ iconUrl: blank, iconRetinaUrl: blank, shadowUrl: blank });
  var fit = L.Map.prototype.fitBounds;
  L.Map.prototype.fitBounds = function (bounds, options) {
    var map = this;
    if (map._routeFit) return fit.call(map, bounds, options);
    map._routeFit = [L.latLngBounds(bounds), L.extend({}, options, { animate: false })];
    var box = map.getContainer();
    var size = function () { return box.clientWidth + "x" + box.clientHeight; };
    var fitted = size();
    var refit = function () {
      fitted = size();
      map.invalidateSize({ animate: false });
      fit.apply(map, map._routeFit);
    };
    if (window.ResizeObserver) {
      new ResizeObserver(function () { if (size() !== fitted) refit(); }).observe(box);
    }
    if (window.IntersectionObserver) {
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); refit(); }
      });
      seen.observe(box);
    }
    return fit.apply(map, map._routeFit);
  };
})();</script>`;

// the map of the plan just shown: the server keeps the plans it answered for a while, so this
// draws it without planning again
async function loadMap(body) {
  $("map").srcdoc = "";
  // the table is beside it: the map leaves its own summary out and gives the routes the room
  const map = await (await api(`/v1/route/map.html?${query({ ...body, lang, summary: false })}`)).text();
  const head = map.indexOf("</head>");  // Leaflet is inlined in the head, folium's script after it
  $("map").srcdoc = head < 0 ? map : map.slice(0, head) + MAP_FIT + map.slice(head);
}

// ---- the answer ----

function routeLabel(label) {
  const m = /^alternative (\d+)$/.exec(label);
  return m ? `${t("alternative")} ${m[1]}` : t(label) || label;
}

function riskWords(route) {
  if (!route.theft_prob) return "—";
  const [low, high] = route.theft_prob_90 || [route.theft_prob, route.theft_prob];
  const words = t("one_in")(sig(1 / route.theft_prob));
  return low > 0 ? `${words} (${t("range")(sig(1 / high), sig(1 / low))})` : words;
}

function hoursText(h) {
  const minutes = Math.round(h * 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

const SAME_RISK = 0.005; // relative difference below which two risks read as the same
const SAME_USD = 0.5;
const SAME_MINUTES = 1;
const SAME_ARRIVAL_H = 0.25; // arrivals this close are the same arrival (as the planner counts them)

function tradeoff(plan) {
  const rec = plan.recommended;
  const fast = plan.fastest;
  const via = rec.crossing ? t("via")(rec.crossing) : "";
  if (rec.nodes.join() === fast.nodes.join()) {
    return t("same_as_fastest")(number(rec.total_h, 1), via, sig(1 / Math.max(rec.theft_prob, 1e-12)));
  }
  const minutes = Math.round((rec.total_h - fast.total_h) * 60);
  const time = Math.abs(minutes) < SAME_MINUTES ? t("takes_same")
    : minutes > 0 ? t("takes_more")(hoursText(minutes / 60)) : t("takes_less")(hoursText(-minutes / 60));
  const change = rec.theft_prob / Math.max(fast.theft_prob, 1e-12) - 1;
  const percent = Math.max(1, Math.round(Math.abs(change) * 100));
  const risk = Math.abs(change) < SAME_RISK ? t("risk_same")
    : change < 0 ? t("risk_less")(Math.min(percent, 99)) : t("risk_more")(percent);
  const saving = fast.cost_usd - rec.cost_usd;
  const cost = Math.abs(saving) < SAME_USD ? t("cost_same")
    : saving > 0 ? t("cost_less")(number(saving)) : t("cost_more")(number(-saving));
  return t("tradeoff")(time, risk, cost);
}

function adviceText(advice) {
  if (!advice) return "";
  const h = advice.arrive_earlier_h;
  // within a quarter hour the planner counts the same arrival: said to the minute
  const minutes = Math.round(h * 60);
  const arrive = h >= SAME_ARRIVAL_H ? t("arrives_earlier")(hoursText(h))
    : h <= -SAME_ARRIVAL_H ? t("arrives_later")(hoursText(-h))
    : minutes === 0 ? t("arrives_same")
    : t("arrives")(minutes < 0 ? t("minutes_later")(-minutes) : t("minutes_earlier")(minutes));
  const saving = Math.round(advice.saving_usd);
  const money = saving >= 1 ? t("saves")(number(saving)) : saving <= -1 ? t("costs_more")(number(-saving)) : "";
  const extra = [];
  const change = advice.theft_change || 0;
  if (Math.abs(change) >= 0.01) extra.push(t("advice_risk")(`${change > 0 ? "+" : "−"}${Math.round(Math.abs(change) * 100)}%`));
  if (advice.planned_crossing) extra.push(t("advice_crossing")(advice.crossing, advice.planned_crossing));
  const parts = [money ? `${arrive} ${t("and")} ${money}` : arrive, ...extra].join("; ");
  return t("advice")(localTime(advice.depart), parts);
}

function noteText(note) {
  const found = t("notes").find(([pattern]) => pattern.test(note));
  return found ? found[1](note) : note;
}

function localTime(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} (UTC${iso.slice(-6)})` : "—";
}

function showPlan({ plan }) {
  $("results").hidden = false;
  $("heading").textContent = t("heading")(plan.origin, plan.destination);
  $("tradeoff").textContent = tradeoff(plan);
  $("advice").textContent = adviceText(plan.advice);
  $("notes").replaceChildren(...plan.notes.map((n) => el("li", noteText(n))));
  // one row per distinct route, named by every role it plays ("recommended · fastest")
  const rows = new Map();
  // (by role: a route that is both recommended and fastest carries one label in the JSON)
  const roles = [["recommended", plan.recommended], ["fastest", plan.fastest], ["safest", plan.safest],
    ...plan.alternatives.map((r) => [r.label, r])];
  for (const [role, r] of roles) {
    const key = r.nodes.join();
    if (!rows.has(key)) rows.set(key, { route: r, labels: [] });
    rows.get(key).labels.push(routeLabel(role));
  }
  const heads = [...$("routes").tHead.rows[0].cells].map((c) => c.textContent);
  $("routes").tBodies[0].replaceChildren(...[...rows.values()].map(({ route: r, labels }) => {
    const row = el("tr", null, r === plan.recommended ? "recommended" : "");
    const wait = r.closed_min > 0 && r.crossing_opens
      ? `${t("closed")} ${localTime(r.crossing_opens)}` : `${number(r.wait_min)} ${t("minutes")}`;
    const cells = [
      labels.join(" · "), r.crossing || t("no_crossing"), number(r.km), number(r.total_h, 1),
      number(r.driving_h, 1), r.crossing ? wait : "—", number(r.cost_usd), riskWords(r),
      number(r.expected_loss_usd),
    ];
    cells.forEach((c, i) => {
      const cell = el("td", c);
      cell.dataset.label = heads[i];  // the column's name, shown beside the value on a phone
      row.appendChild(cell);
    });
    return row;
  }));
  showSheet(plan);
}

function showSheet(plan) {
  const rec = plan.recommended;
  const cargoName = lang === "es" ? CARGO_ES[plan.cargo_type] || plan.cargo_type : plan.cargo_type;
  const facts = [
    [t("route"), t("heading")(plan.origin, plan.destination)],
    [t("depart_at"), localTime(rec.depart)],
    [t("border"), rec.crossing
      ? `${rec.crossing}, ${localTime(rec.port_arrival_local)}; ${t("expected_wait")(number(rec.wait_min))}` : t("no_crossing")],
    [t("arrive_at"), localTime(rec.eta_local)],
    [t("km"), number(rec.km)],
    [t("cargo"), `USD ${number(plan.cargo_value_usd)}, ${cargoName}`],
    [t("risk"), riskWords(rec)],
  ];
  $("sheet-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
  $("sheet-stops").replaceChildren(...rec.stops.map((s) => el(
    "li", `${localTime(s.starts)}: ${t("stop_kinds")[s.kind] || s.kind} ${number(s.hours, 1)} h, ${s.road}, ${s.place.replace(/^near /, `${t("near")} `)}`,
  )));
  $("sheet-risk").replaceChildren(...(rec.riskiest || []).map((s) => el(
    "li", `${s.from} – ${s.to} (${s.ref}, ${s.state}): ${riskWordsFor(s.theft_prob)}`,
  )));
}

function riskWordsFor(p) {
  return p > 0 ? t("one_in")(sig(1 / p)) : "—";
}

// ---- downloads ----

async function download(path, name) {
  if (!lastPlan) return;
  try {
    const extra = path.endsWith(".geojson") ? {} : { lang };
    const blob = await (await api(`${path}?${query({ ...lastPlan.body, ...extra })}`)).blob();
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  } catch (error) {
    showError(error);
  }
}

// ---- start ----

function tomorrowAtSix() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T06:00`;
}

async function loadCargoTypes() {
  try {
    cargoTypes = await (await api("/v1/cargo-types")).json();
    if (!$("error").hidden && $("error").dataset.from === "start") $("error").hidden = true;
  } catch (error) {
    cargoTypes = [{ cargo_type: "general", label: "general freight", multiplier: 1 }];
    showError(error);  // e.g. the server needs a key: say so instead of failing silently
    $("error").dataset.from = "start";
  }
  fillCargoTypes();
}

document.addEventListener("DOMContentLoaded", async () => {
  $("depart").value = tomorrowAtSix();
  $("api_key").value = sessionStorage.getItem("cargorisk-key") || "";
  if ($("api_key").value) $("api_key").closest("details").open = true;
  autocomplete($("origin"), $("origin-suggestions"));
  autocomplete($("destination"), $("destination-suggestions"));
  $("plan").addEventListener("submit", plan);
  $("lang").addEventListener("click", () => {
    lang = lang === "en" ? "es" : "en";
    localStorage.setItem("cargorisk-lang", lang);
    const url = new URL(window.location.href);
    url.searchParams.set("lang", lang);
    window.history.replaceState(null, "", url);
    applyLanguage();
  });
  $("api_key").addEventListener("change", () => {
    sessionStorage.setItem("cargorisk-key", $("api_key").value);  // kept for this tab's session
    loadCargoTypes();
  });
  $("dl-html").addEventListener("click", () => download("/v1/route/map.html", "route.html"));
  $("dl-png").addEventListener("click", () => download("/v1/route/map.png", "route.png"));
  $("dl-geojson").addEventListener("click", () => download("/v1/route.geojson", "routes.geojson"));
  $("print").addEventListener("click", () => window.print());
  applyLanguage();
  await loadCargoTypes();
});
