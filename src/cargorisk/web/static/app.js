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
    tradeoff: (d, p, s) => `The recommended route takes ${d} more than the fastest and cuts the theft risk by ${p}%; its total cost is USD ${s} lower.`,
    tradeoff_cost: (d, p, s) => `The recommended route takes ${d} more than the fastest and cuts the theft risk by ${p}%, for USD ${s} more in total cost.`,
    via: (c) => ` via ${c}`,
    advice: (t, h, s) => `Leaving at ${t} arrives ${h} h earlier and saves USD ${s}.`,
    heading: (a, b) => `${a} → ${b}`,
    depart_at: "Departure", arrive_at: "Arrival", border: "Border crossing", cargo: "Cargo",
    break: "break", rest: "rest", change: "driver change", near: "near",
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
    tradeoff: (d, p, s) => `La ruta recomendada toma ${d} más que la más rápida y reduce el riesgo de robo un ${p}%; su costo total es USD ${s} menor.`,
    tradeoff_cost: (d, p, s) => `La ruta recomendada toma ${d} más que la más rápida y reduce el riesgo de robo un ${p}%, por USD ${s} más de costo total.`,
    via: (c) => ` por ${c}`,
    advice: (t, h, s) => `Salir a las ${t} llega ${h} h antes y ahorra USD ${s}.`,
    heading: (a, b) => `${a} → ${b}`,
    depart_at: "Salida", arrive_at: "Llegada", border: "Cruce fronterizo", cargo: "Carga",
    break: "pausa", rest: "descanso", change: "cambio de operador", near: "cerca de",
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
let lang = localStorage.getItem("cargorisk-lang") || (navigator.language || "en").slice(0, 2);
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

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers || {}) });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
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
  if (lastPlan) showPlan(lastPlan);
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

async function plan(event) {
  event.preventDefault();
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
    $("map").srcdoc = "";
    const map = await (await api(`/v1/route/map.html?${query(body)}`)).text();
    $("map").srcdoc = map;
  } catch (error) {
    $("status").textContent = "";
    $("error").textContent = error.message;
    $("error").hidden = false;
    $("results").hidden = true;  // never an old answer under a new request's error
    lastPlan = null;
  } finally {
    $("submit").disabled = false;
  }
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

function tradeoff(plan) {
  const rec = plan.recommended;
  const fast = plan.fastest;
  const via = rec.crossing ? t("via")(rec.crossing) : "";
  if (rec.nodes.join() === fast.nodes.join()) {
    return t("same_as_fastest")(number(rec.total_h, 1), via, sig(1 / Math.max(rec.theft_prob, 1e-12)));
  }
  const delta = hoursText(Math.max(rec.total_h - fast.total_h, 0));
  const cut = Math.round(100 * (1 - rec.theft_prob / Math.max(fast.theft_prob, 1e-12)));
  const saving = fast.cost_usd - rec.cost_usd;
  const sentence = saving >= 0 ? t("tradeoff") : t("tradeoff_cost");
  return sentence(delta, cut, number(Math.abs(saving)));
}

function localTime(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} (UTC${iso.slice(-6)})` : "—";
}

function showPlan({ plan }) {
  $("results").hidden = false;
  $("heading").textContent = t("heading")(plan.origin, plan.destination);
  $("tradeoff").textContent = tradeoff(plan);
  const advice = plan.advice;
  $("advice").textContent = advice
    ? t("advice")(localTime(advice.depart), number(advice.arrive_earlier_h, 1), number(advice.saving_usd)) : "";
  $("notes").replaceChildren(...plan.notes.map((n) => el("li", n)));
  const seen = new Set();
  const routes = [plan.recommended, plan.fastest, plan.safest, ...plan.alternatives].filter((r) => {
    const key = r.nodes.join();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  $("routes").tBodies[0].replaceChildren(...routes.map((r) => {
    const row = el("tr", null, r.label === "recommended" ? "recommended" : "");
    const wait = r.closed_min > 0 && r.crossing_opens
      ? `${t("closed")} ${localTime(r.crossing_opens)}` : `${number(r.wait_min)} ${t("minutes")}`;
    const cells = [
      routeLabel(r.label), r.crossing || t("no_crossing"), number(r.km), number(r.total_h, 1),
      number(r.driving_h, 1), r.crossing ? wait : "—", number(r.cost_usd), riskWords(r),
      number(r.expected_loss_usd),
    ];
    cells.forEach((c) => row.appendChild(el("td", c)));
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
    "li", `${localTime(s.starts)}: ${t(s.kind) || s.kind} ${number(s.hours, 1)} h, ${s.road}, ${s.place.replace(/^near /, `${t("near")} `)}`,
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
    const blob = await (await api(`${path}?${query(lastPlan.body)}`)).blob();
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  } catch (error) {
    $("error").textContent = error.message;
    $("error").hidden = false;
  }
}

// ---- start ----

function tomorrowAtSix() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T06:00`;
}

document.addEventListener("DOMContentLoaded", async () => {
  $("depart").value = tomorrowAtSix();
  autocomplete($("origin"), $("origin-suggestions"));
  autocomplete($("destination"), $("destination-suggestions"));
  $("plan").addEventListener("submit", plan);
  $("lang").addEventListener("click", () => {
    lang = lang === "en" ? "es" : "en";
    localStorage.setItem("cargorisk-lang", lang);
    applyLanguage();
  });
  $("dl-html").addEventListener("click", () => download("/v1/route/map.html", "route.html"));
  $("dl-png").addEventListener("click", () => download("/v1/route/map.png", "route.png"));
  $("dl-geojson").addEventListener("click", () => download("/v1/route.geojson", "routes.geojson"));
  $("print").addEventListener("click", () => window.print());
  try {
    cargoTypes = await (await api("/v1/cargo-types")).json();
  } catch (_) {
    cargoTypes = [{ cargo_type: "general", label: "general freight", multiplier: 1 }];
  }
  applyLanguage();
});
