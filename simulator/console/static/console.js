// The QA console's behaviour: admin API calls (JSON, same origin), scenario steps as YAML, the live journal.
"use strict";

const ADMIN = document.body.dataset.admin;

function adminHeaders() {
  const headers = {"Content-Type": "application/json", "Accept": "application/json"};
  const token = sessionStorage.getItem("simAdminToken");
  if (token) headers["X-Sim-Admin-Token"] = token;
  return headers;
}

async function adminCall(method, path, body) {
  const init = {method, headers: adminHeaders(), credentials: "same-origin"};
  if (body !== undefined) init.body = JSON.stringify(body);
  const resp = await fetch(ADMIN + path, init);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) throw new Error((data && data.error) || `${resp.status} ${resp.statusText}`);
  return data;
}

async function getJson(path) {
  const resp = await fetch(path, {headers: adminHeaders(), credentials: "same-origin"});
  const data = await resp.json();
  if (!resp.ok) throw new Error(data.error || resp.statusText);
  return data;
}

// ------------------------------------------------------------------ YAML of a scenario step (flow style)
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9 _.\/-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~|-?\d+(\.\d+)?)$/i;

function yaml(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (Array.isArray(value)) return "[" + value.map(yaml).join(", ") + "]";
  if (typeof value === "object") {
    return "{" + Object.entries(value).map(([k, v]) => `${yaml(k)}: ${yaml(v)}`).join(", ") + "}";
  }
  const s = String(value);
  return PLAIN.test(s) && !RESERVED.test(s) && s.trim() === s ? s : JSON.stringify(s);
}

function stepYaml(step) {
  return "- sage_admin:\n" + Object.entries(step).map(([k, v]) => `    ${k}: ${yaml(v)}`).join("\n");
}

function announce(message, isError) {
  const box = document.getElementById("announce");
  box.textContent = message;
  box.className = isError ? "announce error" : "announce ok";
  box.setAttribute("role", isError ? "alert" : "status");
}

function showStep(message, step) {
  announce(message, false);
  const holder = document.getElementById("last-step");
  if (!holder) return;
  const node = document.getElementById("step-template").content.cloneNode(true);
  node.querySelector(".step-ok").textContent = message;
  const area = node.querySelector(".step-yaml");
  area.value = stepYaml(step);
  area.rows = area.value.split("\n").length;
  node.querySelector(".copy").addEventListener("click", async (ev) => {
    area.select();
    try { await navigator.clipboard.writeText(area.value); } catch (e) { document.execCommand("copy"); }
    ev.target.textContent = "Copied";
  });
  holder.replaceChildren(node);
  holder.hidden = false;
}

async function change(message, method, path, body, step, reload) {
  try {
    await adminCall(method, path, body);
  } catch (err) {
    announce(`Not saved: ${err.message}`, true);
    return false;
  }
  if (reload) {
    sessionStorage.setItem("simConsoleStep", JSON.stringify({message, step}));
    location.reload();
  } else {
    showStep(message, step);
  }
  return true;
}

// ------------------------------------------------------------------ Companies
function companyPage(root) {
  const company = root.dataset.company;
  const base = `/companies/${encodeURIComponent(company)}`;
  const patch = (message, changes, reload) =>
    change(message, "PATCH", base, changes, {change_company: changes}, reload);

  document.querySelectorAll(".company-flag").forEach((box) => box.addEventListener("change", () =>
    patch(`${box.dataset.key} set to ${box.checked}`, {[box.dataset.key]: box.checked})));

  const senders = JSON.parse(document.getElementById("senders").dataset.senders || "[]");
  document.querySelectorAll(".remove-sender").forEach((btn) => btn.addEventListener("click", () =>
    patch(`Sender ${btn.dataset.sender} removed`,
          {authorized_senders: senders.filter((s) => s !== btn.dataset.sender)}, true)));
  document.getElementById("add-sender").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = ev.target.sender.value.trim();
    if (id) patch(`Sender ${id} authorized`, {authorized_senders: [...new Set([...senders, id])]}, true);
  });
  const closed = document.getElementById("closed");
  closed.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = closed.closed_through.value.trim() || null;
    patch(v ? `Books closed through ${v}` : "Books reopened", {closed_through: v}, true);
  });
  document.getElementById("reopen").addEventListener("click", () =>
    patch("Books reopened", {closed_through: null}, true));

  document.querySelectorAll(".role-level").forEach((sel) => sel.addEventListener("change", () => {
    const {role, module} = sel.dataset;
    const permissions = {[module]: sel.value};
    change(`${module} set to "${sel.value}" for role ${role}`, "PUT",
           `${base}/roles/${encodeURIComponent(role)}`, {permissions}, {set_role: {role, permissions}});
  }));

  const userChange = (row, changes, message) => {
    const user = row.dataset.user;
    return change(message, "PATCH", `${base}/users/${encodeURIComponent(user)}`, changes,
                  {change_user: {user, ...changes}});
  };
  document.querySelectorAll("tr[data-user]").forEach((row) => {
    row.querySelectorAll(".user-field").forEach((el) => el.addEventListener("change", () => {
      const value = el.type === "checkbox" ? el.checked : el.value;
      userChange(row, {[el.dataset.field]: value}, `${row.dataset.user}: ${el.dataset.field} set to ${value}`);
    }));
    row.querySelectorAll(".user-entity").forEach((el) => el.addEventListener("change", () => {
      const entities = [...row.querySelectorAll(".user-entity:checked")].map((e) => e.value);
      userChange(row, {entities}, `${row.dataset.user}: entities ${entities.join(", ") || "none"}`);
    }));
    const form = row.querySelector(".reset-password");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (await userChange(row, {password: form.password.value}, `${row.dataset.user}: password reset`)) {
        form.reset();
      }
    });
  });
}

// ------------------------------------------------------------------ Faults and clock
function faultsPage() {
  const rules = JSON.parse(document.getElementById("fault-rules").dataset.rules || "[]");
  document.querySelectorAll(".remove-fault").forEach((btn) => btn.addEventListener("click", () => {
    const left = rules.filter((_, i) => i !== Number(btn.dataset.index));
    change(`Fault rule ${Number(btn.dataset.index) + 1} removed`, "PUT", "/faults", left, {faults: left}, true);
  }));
  document.getElementById("add-fault").addEventListener("submit", (ev) => {
    ev.preventDefault();
    let rule;
    try { rule = JSON.parse(document.getElementById("fault-json").value); } catch (e) {
      announce(`Not saved: the rule is not valid JSON (${e.message})`, true);
      return;
    }
    change("Fault rule added", "POST", "/faults", rule, {faults: [...rules, rule]}, true);
  });
  document.getElementById("clear-faults").addEventListener("click", () =>
    change("Every fault rule removed", "DELETE", "/faults", undefined, {clear_faults: true}, true));
  document.getElementById("advance-clock").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const seconds = Number(document.getElementById("advance-seconds").value);
    change(`Clock advanced ${seconds} s`, "POST", "/clock", {advance_seconds: seconds},
           {advance_clock: seconds}, true);
  });
  document.getElementById("expire-sessions").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const company = document.getElementById("expire-company").value || null;
    change(`Sessions of ${company || "every company"} expired`, "POST", "/sessions/expire", {company},
           {expire_sessions: true});
  });
}

// ------------------------------------------------------------------ Journal
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  });
  children.forEach((c) => node.append(c));
  return node;
}

function xmlInto(pre, text) {
  // Lines inside an <error> block are marked so failures stand out in the pretty-printed XML.
  pre.replaceChildren();
  let inError = 0;
  for (const line of text.split("\n")) {
    if (/<error>/.test(line)) inError += 1;
    const span = el("span", {class: inError ? "xml-line err-line" : "xml-line"}, line + "\n");
    if (/<\/error>/.test(line)) inError = Math.max(0, inError - 1);
    pre.append(span);
  }
}

function journalPage() {
  const form = document.getElementById("journal-filters");
  const body = document.querySelector("#exchanges tbody");
  const prefix = location.pathname.replace(/\/journal$/, "");
  let since = 0;
  let timer = null;

  const query = () => {
    const p = new URLSearchParams();
    ["company", "function", "status", "errorno"].forEach((k) => { if (form[k].value.trim()) p.set(k, form[k].value.trim()); });
    return p;
  };

  const row = (x) => {
    const open = el("button", {type: "button", class: "open", "aria-label": `Open exchange ${x.seq}`}, String(x.seq));
    open.addEventListener("click", () => showExchange(x.seq));
    const tr = el("tr", {class: x.status === "failure" ? "failed" : "", "data-seq": String(x.seq)},
      el("td", {}, open), el("td", {}, x.when), el("td", {}, x.company || ""), el("td", {}, x.functions || ""),
      el("td", {}, String(x.http_status)), el("td", {class: `status ${x.status}`}, x.status),
      el("td", {class: "errornos"}, x.errornos || ""));
    return tr;
  };

  async function poll() {
    const p = query();
    p.set("since", String(since));
    try {
      const data = await getJson(`${prefix}/api/exchanges?${p}`);
      data.exchanges.slice().reverse().forEach((x) => { body.prepend(row(x)); since = Math.max(since, x.seq); });
      document.getElementById("exchange-count").textContent = `(${body.children.length} shown)`;
    } catch (err) {
      announce(`The journal could not be read: ${err.message}`, true);
    }
  }

  async function showExchange(seq) {
    let x;
    try { x = await getJson(`${prefix}/api/exchanges/${seq}`); } catch (err) { announce(err.message, true); return; }
    const box = document.getElementById("exchange");
    box.hidden = false;
    document.getElementById("exchange-title").textContent =
      `Exchange ${x.seq}: ${x.functions || "no function"} · ${x.company || "unknown company"} · HTTP ${x.http_status} · ${x.status}`;
    const errs = document.getElementById("exchange-errors");
    errs.replaceChildren();
    x.errors.forEach((e) => {
      const card = el("div", {class: "error-card"},
        el("p", {class: "errorno"}, el("strong", {}, e.errorno), ` ${e.description2 || e.description}`),
        el("p", {}, `In ${e.where}${e.function ? " " + e.function : ""}${e.controlid ? " (control id " + e.controlid + ")" : ""}`));
      if (e.advice) {
        card.append(el("p", {class: "advice"}, el("strong", {}, "Fix: "), e.advice.fix,
          e.advice.step ? ` (setup guide step ${e.advice.step}: ${e.advice.step_title})` : ""));
      }
      e.catalogue.forEach((c) => card.append(el("p", {class: "catalogue"},
        el("strong", {}, "Catalogue: "), `${c.class} (${c.level} level, HTTP ${c.http_status}). Source: ${c.source}`)));
      errs.append(card);
    });
    if (x.dropped) errs.append(el("p", {class: "error-card"}, "The simulator dropped this connection: no answer was sent."));
    xmlInto(document.getElementById("exchange-request"), x.request);
    xmlInto(document.getElementById("exchange-response"), x.response || "(empty body)");
    document.getElementById("exchange-title").focus();
  }

  const restart = () => {
    since = 0;
    body.replaceChildren();
    poll();
  };
  form.addEventListener("change", restart);
  form.addEventListener("submit", (ev) => { ev.preventDefault(); restart(); });
  const live = () => {
    clearInterval(timer);
    if (form.live.checked) timer = setInterval(poll, 2000);
  };
  form.live.addEventListener("change", live);
  poll();
  live();
}

document.addEventListener("DOMContentLoaded", () => {
  const saved = sessionStorage.getItem("simConsoleStep");
  if (saved) {
    sessionStorage.removeItem("simConsoleStep");
    const {message, step} = JSON.parse(saved);
    showStep(message, step);
  }
  const company = document.querySelector("[data-company]");
  if (company) companyPage(company);
  if (document.getElementById("fault-rules")) faultsPage();
  if (document.getElementById("journal-filters")) journalPage();
});
