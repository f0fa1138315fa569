// MiGlobe sandbox page: several Telegram users side by side, talking to the bot under test.
// The bot's text is never inserted as HTML: messages are built from text + entities with DOM
// APIs (as Telegram clients do), so whatever the bot sends cannot inject markup or scripts.
"use strict";

const API = "/sandbox/api";
const columns = new Map(); // user id -> {el, messages: Map(message_id -> {el, sig})}
const seenAnswers = new Set(); // callback answers already shown as a toast
let firstState = true;
let lastState = null;
let generation = null; // grows with every reset: then the page drops everything it shows
const ROLE_NAMES = { municipality: "Gemeinde", advisor: "Berater*in", coordinator: "Koordination" };
// What an empty chat suggests, by role (the guide at the top has the whole path).
const EMPTY_HINTS = {
  municipality: "Noch leer. Tippen Sie unten /anfrage, um ein Auftaktgespräch anzufragen – oder /start.",
  advisor: "Noch leer. Hier kommen die Angebote an, sobald eine Gemeinde eine Anfrage absendet.",
  coordinator: "Noch leer. Tippen Sie /anfragen für alle Anfragen oder /statistik für die Zahlen.",
};
const GUIDE_FOLDED = "miglobe-sandbox-guide-folded";

// ---------------------------------------------------------------------------------------------
// Server calls

async function post(path, body) {
  const response = await fetch(API + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({ ok: false, error: response.statusText }));
  if (!response.ok || data.ok === false) throw new Error(data.error || response.statusText);
  return data;
}

async function pollForever() {
  let since = -1;
  for (;;) {
    try {
      const response = await fetch(`${API}/events?since=${since}`, { cache: "no-store" });
      if (!response.ok) throw new Error(response.statusText);
      const state = await response.json();
      since = state.version;
      setConnected(true);
      render(state);
    } catch (error) {
      setConnected(false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function setConnected(ok) {
  const pill = document.getElementById("connection");
  pill.textContent = ok ? "verbunden" : "getrennt";
  pill.className = "pill " + (ok ? "online" : "offline");
}

// ---------------------------------------------------------------------------------------------
// Rendering the state

function render(state) {
  lastState = state;
  if (generation !== null && state.generation !== generation) dropEverything();
  generation = state.generation;
  document.getElementById("bot-name").textContent = `@${state.bot.username}`;
  document.getElementById("stats").textContent =
    `${state.pending_updates} offene Updates · ${state.calls} Bot-API-Aufrufe` +
    (state.webhook ? ` · Webhook ${state.webhook}` : "");
  renderFaults(state.faults);
  renderClock(state);
  const container = document.getElementById("columns");
  const present = new Set(state.users.map((user) => user.id));
  for (const [id, column] of columns) {
    if (!present.has(id)) {
      column.el.remove(); // a removed user
      columns.delete(id);
    }
  }
  state.users.forEach((user, index) => {
    let column = columns.get(user.id);
    if (!column) {
      column = createColumn(user);
      columns.set(user.id, column);
    }
    if (container.children[index] !== column.el) {
      container.insertBefore(column.el, container.children[index] || null);
    }
    updateColumn(column, user, state);
  });
  firstState = false;
}

function dropEverything() {
  for (const column of columns.values()) column.el.remove();
  columns.clear();
  seenAnswers.clear();
}

// The bot's time zone: times on the page read as the bot writes them, whatever the browser's zone.
let botTimeZone;
let clockOffsetSeconds = 0;

function botTime(date, options) {
  return date.toLocaleString("de-DE", { ...options, timeZone: botTimeZone });
}

function showBotNow() {
  // The bot's clock runs on from the real time plus how far it was moved.
  document.getElementById("clock-now").textContent = botTime(new Date(Date.now() + clockOffsetSeconds * 1000), {
    weekday: "short", day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit",
  });
}

function renderClock(state) {
  const box = document.getElementById("clock");
  box.hidden = !state.features.clock;
  if (!state.clock || !state.clock.now) return;
  botTimeZone = state.clock.timezone || undefined;
  clockOffsetSeconds = state.clock.offset_seconds || 0;
  showBotNow();
  const hours = Math.round(state.clock.offset_seconds / 3600);
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  const ahead = [days ? `${days} Tg.` : "", rest ? `${rest} Std.` : ""].filter(Boolean).join(" ");
  document.getElementById("clock-offset").textContent = ahead ? `(vorgespult um ${ahead})` : "";
}

function renderFaults(faults) {
  const parts = [];
  if (faults.blocked_chats.length) parts.push(`blockiert: ${faults.blocked_chats.join(", ")}`);
  if (faults.rate_limit_calls) parts.push(`429 für ${faults.rate_limit_calls} Sendung(en)`);
  if (faults.rate_limit_seconds_left) parts.push(`429 für ${faults.rate_limit_seconds_left} s`);
  if (faults.server_error_calls) {
    parts.push(`${faults.server_error_status} für ${faults.server_error_calls} Sendung(en)`);
  }
  if (faults.delay_seconds) parts.push(`Verzögerung ${Math.round(faults.delay_seconds * 1000)} ms`);
  const summary = document.getElementById("faults-summary");
  summary.textContent = parts.length ? `— aktiv: ${parts.join(" · ")}` : "— keine aktiv";
  summary.classList.toggle("active", parts.length > 0);
}

function createColumn(user) {
  const el = document.getElementById("column-template").content.firstElementChild.cloneNode(true);
  el.dataset.userId = String(user.id);
  const column = { el, user, messages: new Map(), typingTimer: null };
  const form = el.querySelector(".composer");
  const input = form.querySelector(".text");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    fitInput(input);
    sendText(column, text);
  });
  // As in Telegram: Enter sends, Shift+Enter starts a new line; the field grows with the text.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => fitInput(input));
  el.querySelector(".block").addEventListener("change", (event) => {
    post(`/users/${user.id}/block`, { blocked: event.target.checked }).catch((e) => toast(column, e.message, true));
  });
  el.querySelector(".make-coordinator").addEventListener("click", async (event) => {
    event.target.disabled = true;
    try {
      await post(`/users/${user.id}/coordinator`, {});
      toast(column, `${user.first_name} gehört jetzt zur Koordination`);
    } catch (error) {
      event.target.disabled = false;
      toast(column, error.message, true);
    }
  });
  el.querySelector(".remove-user").addEventListener("click", (event) => {
    confirmTwice(event.target, "Entfernen?", () =>
      post(`/users/${user.id}/remove`, {}).catch((e) => toast(column, e.message, true)));
  });
  const menu = el.querySelector(".attach-menu");
  el.querySelector(".attach-button").addEventListener("click", () => { menu.hidden = !menu.hidden; });
  menu.addEventListener("click", (event) => {
    const kind = event.target.dataset.kind;
    if (!kind) return;
    menu.hidden = true;
    post(`/users/${user.id}/send/${kind}`, {}).catch((e) => toast(column, e.message, true));
  });
  const commands = el.querySelector(".commands");
  el.querySelector(".menu-button").addEventListener("click", () => { commands.hidden = !commands.hidden; });
  return column;
}

function fitInput(input) {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
}

function sendText(column, text) {
  post(`/users/${column.user.id}/text`, { text }).catch((e) => toast(column, e.message, true));
}

function updateColumn(column, user, state) {
  const el = column.el;
  column.user = user;
  el.querySelector(".avatar").textContent = (user.first_name || "?").slice(0, 1).toUpperCase();
  el.querySelector(".name").textContent = user.first_name;
  el.querySelector(".meta").textContent = `id ${user.id} · Sprache ${user.language_code}`;
  el.classList.toggle("blocked", user.blocked);
  el.querySelector(".block").checked = user.blocked;
  const makeButton = el.querySelector(".make-coordinator");
  makeButton.hidden = !state.features.make_coordinator || user.coordinator;
  const role = el.querySelector(".role");
  role.textContent = ROLE_NAMES[user.role] || ROLE_NAMES.municipality;
  role.className = `role ${user.role || "municipality"}`;
  el.querySelector(".messages").dataset.hint = EMPTY_HINTS[user.role] || EMPTY_HINTS.municipality;
  renderMessages(column, user);
  renderTyping(column, user.action);
  renderReplyKeyboard(column, user.reply_keyboard);
  renderCommands(column, user.commands);
  showAnswers(column, user.callbacks);
}

function renderMessages(column, user) {
  const list = column.el.querySelector(".messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const pending = new Set(
    user.callbacks.filter((q) => !q.answer).map((q) => `${q.message_id}:${q.data}`));
  const keep = new Set();
  user.messages.forEach((message, index) => {
    keep.add(message.message_id);
    const sig = JSON.stringify([message, [...pending].filter((p) => p.startsWith(`${message.message_id}:`))]);
    let entry = column.messages.get(message.message_id);
    if (!entry || entry.sig !== sig) {
      const el = renderMessage(column, message, pending);
      if (entry) entry.el.replaceWith(el); // an edit replaces the message in place
      entry = { el, sig };
      column.messages.set(message.message_id, entry);
    }
    if (list.children[index] !== entry.el) list.insertBefore(entry.el, list.children[index] || null);
  });
  for (const [id, entry] of column.messages) {
    if (!keep.has(id)) {
      entry.el.remove(); // deleted by the bot
      column.messages.delete(id);
    }
  }
  if (atBottom || firstState) list.scrollTop = list.scrollHeight;
}

function renderMessage(column, message, pending) {
  const el = document.createElement("div");
  el.className = "msg " + (message.outgoing ? "outgoing" : "incoming");
  el.dataset.messageId = String(message.message_id);
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  el.appendChild(bubble);
  if (message.reply_to_message) {
    const quote = document.createElement("div");
    quote.className = "reply-to";
    const original = message.reply_to_message;
    quote.textContent = (original.text || original.caption || "[media]").slice(0, 80);
    bubble.appendChild(quote);
  }
  appendMedia(bubble, message);
  const body = message.text !== undefined ? message.text : message.caption;
  if (body) {
    const text = document.createElement("div");
    text.className = "text";
    text.appendChild(renderEntities(column, body, message.entities || message.caption_entities || []));
    bubble.appendChild(text);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  if (message.edit_count > 0) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = "bearbeitet";
    edited.title = `${message.edit_count}× bearbeitet`;
    meta.appendChild(edited);
  }
  const time = document.createElement("time");
  time.textContent = botTime(new Date(message.date * 1000), { weekday: "short", hour: "2-digit", minute: "2-digit" });
  meta.appendChild(time);
  bubble.appendChild(meta);
  const keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
  if (keyboard) el.appendChild(renderInlineKeyboard(column, message, keyboard, pending));
  return el;
}

function fileUrl(fileId, download) {
  return `${API}/files/${encodeURIComponent(fileId)}${download ? "?download=1" : ""}`;
}

function appendMedia(bubble, message) {
  if (message.photo) {
    const best = message.photo[message.photo.length - 1];
    const link = externalLink(fileUrl(best.file_id), null);
    const img = document.createElement("img");
    img.className = "photo";
    img.alt = "Foto";
    img.src = fileUrl(best.file_id);
    link.appendChild(img);
    bubble.appendChild(link);
  } else if (message.document) {
    const doc = document.createElement("div");
    doc.className = "document";
    const icon = document.createElement("span");
    icon.textContent = "📄 ";
    doc.appendChild(icon);
    const download = document.createElement("a");
    download.href = fileUrl(message.document.file_id, true);
    download.download = message.document.file_name || "document";
    download.textContent = message.document.file_name || "document";
    doc.appendChild(download);
    const size = document.createElement("span");
    size.className = "muted";
    size.textContent = ` ${message.document.file_size || 0} B `;
    doc.appendChild(size);
    doc.appendChild(externalLink(fileUrl(message.document.file_id), "öffnen"));
    bubble.appendChild(doc);
  } else if (message.sticker) {
    const sticker = document.createElement("div");
    sticker.className = "sticker";
    sticker.textContent = message.sticker.emoji || "🖼";
    bubble.appendChild(sticker);
  } else if (message.voice) {
    const voice = document.createElement("div");
    voice.textContent = `🎤 Sprachnachricht, ${message.voice.duration} s`;
    bubble.appendChild(voice);
  } else if (message.location) {
    const { latitude, longitude } = message.location;
    const url = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}`;
    bubble.appendChild(externalLink(url, `📍 ${latitude.toFixed(4)}, ${longitude.toFixed(4)}`));
  }
}

function safeUrl(raw) {
  try {
    const url = new URL(raw, window.location.href);
    return ["http:", "https:", "mailto:", "tg:", "ftp:"].includes(url.protocol) ? url.href : null;
  } catch (error) {
    return null;
  }
}

function externalLink(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  if (text) a.textContent = text;
  return a;
}

// Entities use UTF-16 offsets, which are exactly JavaScript string indices.
function renderEntities(column, text, entities) {
  const sorted = entities.slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  const fragment = document.createDocumentFragment();
  build(column, fragment, text, 0, text.length, sorted);
  return fragment;
}

function build(column, parent, text, start, end, entities) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const from = Math.max(entity.offset, pos);
    const to = Math.min(entity.offset + entity.length, end);
    if (to <= from) { i += 1; continue; }
    if (from > pos) parent.appendChild(document.createTextNode(text.slice(pos, from)));
    const children = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < to) children.push(entities[j++]);
    const { outer, inner } = entityElement(column, entity, text.slice(from, to));
    build(column, inner, text, from, to, children);
    parent.appendChild(outer);
    pos = to;
    i = j;
  }
  if (pos < end) parent.appendChild(document.createTextNode(text.slice(pos, end)));
}

function entityElement(column, entity, segment) {
  const simple = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code" };
  let el;
  switch (entity.type) {
    case "pre": {
      const pre = document.createElement("pre");
      const code = document.createElement("code");
      if (entity.language) code.dataset.language = entity.language;
      pre.appendChild(code);
      return { outer: pre, inner: code };
    }
    case "text_link":
    case "url": {
      const href = safeUrl(entity.type === "url" ? segment : entity.url);
      el = href ? externalLink(href, null) : document.createElement("span");
      if (href) el.title = href;
      break;
    }
    case "bot_command":
      el = document.createElement("a");
      el.href = "#";
      el.className = "command";
      el.addEventListener("click", (event) => {
        event.preventDefault();
        sendText(column, segment.replace(/@\w+$/, ""));
      });
      break;
    case "spoiler":
      el = document.createElement("span");
      el.className = "spoiler";
      el.addEventListener("click", () => el.classList.add("revealed"));
      break;
    case "blockquote":
    case "expandable_blockquote":
      el = document.createElement("blockquote");
      break;
    default:
      el = document.createElement(simple[entity.type] || "span");
      el.classList.add(`entity-${entity.type}`);
  }
  return { outer: el, inner: el };
}

function renderInlineKeyboard(column, message, rows, pending) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-kb";
  for (const row of rows) {
    const rowEl = document.createElement("div");
    rowEl.className = "kb-row";
    for (const button of row) {
      let el;
      if (button.url !== undefined) {
        const href = safeUrl(button.url);
        el = href ? externalLink(href, `${button.text} ↗`) : document.createElement("button");
        if (!href) { el.textContent = button.text; el.disabled = true; }
      } else {
        el = document.createElement("button");
        el.type = "button";
        el.textContent = button.text;
        el.title = button.text; // the whole label, which Telegram's apps cut after one line
        if (button.callback_data !== undefined) {
          el.dataset.callbackData = button.callback_data;
          if (pending.has(`${message.message_id}:${button.callback_data}`)) el.classList.add("pending");
          el.addEventListener("click", () => {
            el.classList.add("pending");
            post(`/users/${column.user.id}/press`, { message_id: message.message_id, data: button.callback_data })
              .catch((e) => { el.classList.remove("pending"); toast(column, e.message, true); });
          });
        } else {
          el.disabled = true; // web_app, login_url, … are not emulated
          el.title = "in der Sandbox nicht verfügbar";
        }
      }
      el.classList.add("kb-button");
      rowEl.appendChild(el);
    }
    keyboard.appendChild(rowEl);
  }
  return keyboard;
}

function renderTyping(column, action) {
  const el = column.el.querySelector(".typing");
  clearTimeout(column.typingTimer);
  el.hidden = !action;
  if (action) {
    const doing = { typing: "schreibt", upload_document: "sendet eine Datei", upload_photo: "sendet ein Foto" };
    el.textContent = `${lastState.bot.first_name} ${doing[action.name] || action.name.replace(/_/g, " ")}…`;
    column.typingTimer = setTimeout(() => { el.hidden = true; }, action.seconds * 1000);
  }
}

function renderReplyKeyboard(column, keyboard) {
  const el = column.el.querySelector(".reply-keyboard");
  const sig = JSON.stringify(keyboard);
  const input = column.el.querySelector(".composer .text");
  input.placeholder = (keyboard && keyboard.input_field_placeholder) || "Nachricht";
  if (el.dataset.sig === sig) return;
  el.dataset.sig = sig;
  el.replaceChildren();
  el.hidden = !keyboard;
  if (!keyboard) return;
  for (const row of keyboard.keyboard) {
    const rowEl = document.createElement("div");
    rowEl.className = "kb-row";
    for (const button of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "kb-button";
      b.textContent = button.text;
      b.addEventListener("click", () => sendText(column, button.text));
      rowEl.appendChild(b);
    }
    el.appendChild(rowEl);
  }
}

function renderCommands(column, commands) {
  const el = column.el.querySelector(".commands");
  const sig = JSON.stringify(commands);
  column.el.querySelector(".menu-button").hidden = !commands.length;
  if (el.dataset.sig === sig) return;
  el.dataset.sig = sig;
  el.replaceChildren();
  for (const command of commands) {
    const b = document.createElement("button");
    b.type = "button";
    const name = document.createElement("b");
    name.textContent = `/${command.command}`;
    b.append(name, ` ${command.description}`);
    b.addEventListener("click", () => { el.hidden = true; sendText(column, `/${command.command}`); });
    el.appendChild(b);
  }
}

function showAnswers(column, callbacks) {
  for (const query of callbacks) {
    if (!query.answer || seenAnswers.has(query.id)) continue;
    seenAnswers.add(query.id);
    if (firstState) continue; // don't replay old answers after a reload
    if (query.answer.text) toast(column, query.answer.text, false, query.answer.show_alert);
    if (query.answer.url) {
      const href = safeUrl(query.answer.url);
      if (href) toast(column, `Der Bot möchte ${href} öffnen`);
    }
  }
}

// A callback answer appears as a toast (or as an alert with OK for show_alert), as in Telegram;
// no window.alert(), which would block the page and any browser automation.
function toast(column, text, isError = false, isAlert = false) {
  const box = column.el.querySelector(".toasts");
  const el = document.createElement("div");
  el.className = "toast" + (isError ? " error" : "") + (isAlert ? " alert" : "");
  el.setAttribute("role", isAlert ? "alertdialog" : "status");
  const message = document.createElement("div");
  message.textContent = text;
  el.appendChild(message);
  if (isAlert) {
    const ok = document.createElement("button");
    ok.type = "button";
    ok.textContent = "OK";
    ok.addEventListener("click", () => el.remove());
    el.appendChild(ok);
  } else {
    setTimeout(() => el.remove(), 4000);
  }
  box.appendChild(el);
}

// A destructive button asks once more in its own label (no window.confirm, which would block
// the page and any browser automation): a second click within five seconds does it.
function confirmTwice(button, question, action) {
  if (button.dataset.armed) {
    delete button.dataset.armed;
    button.textContent = button.dataset.label;
    action();
    return;
  }
  button.dataset.armed = "1";
  button.dataset.label = button.textContent;
  button.textContent = question;
  setTimeout(() => {
    if (!button.dataset.armed) return;
    delete button.dataset.armed;
    button.textContent = button.dataset.label;
  }, 5000);
}

// ---------------------------------------------------------------------------------------------
// Page-level forms

function setupGuide() {
  // Open until the visitor folds it once (remembered in this browser).
  const guide = document.getElementById("guide");
  let folded = false;
  try { folded = window.localStorage.getItem(GUIDE_FOLDED) === "1"; } catch (error) { /* storage off */ }
  guide.open = !folded;
  guide.addEventListener("toggle", () => {
    try {
      if (guide.open) window.localStorage.removeItem(GUIDE_FOLDED);
      else window.localStorage.setItem(GUIDE_FOLDED, "1");
    } catch (error) { /* storage off: the guide simply opens again next time */ }
  });
}

function setupClock() {
  // The shown bot time goes on with the minutes, not only when the state changes.
  window.setInterval(() => {
    if (!document.getElementById("clock").hidden) showBotNow();
  }, 15000);
  for (const button of document.querySelectorAll(".clock-advance")) {
    button.addEventListener("click", async () => {
      for (const b of document.querySelectorAll(".clock-advance")) b.disabled = true;
      try {
        await post("/clock", { seconds: Number(button.dataset.seconds) });
      } catch (error) {
        window.console.error(error);
      } finally {
        for (const b of document.querySelectorAll(".clock-advance")) b.disabled = false;
      }
    });
  }
  const reset = document.getElementById("reset");
  reset.addEventListener("click", () => {
    confirmTwice(reset, "Wirklich alles löschen?", async () => {
      reset.disabled = true;
      try {
        await post("/reset", {});
      } catch (error) {
        window.console.error(error);
      } finally {
        reset.disabled = false;
      }
    });
  });
}

function setupForms() {
  const addUser = document.getElementById("add-user");
  addUser.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(addUser);
    const error = document.getElementById("add-user-error");
    error.textContent = "";
    try {
      await post("/users", {
        first_name: String(data.get("first_name")),
        language_code: String(data.get("language_code")),
      });
      addUser.elements.first_name.value = "";
    } catch (e) {
      error.textContent = e.message;
    }
  });
  for (const form of document.querySelectorAll("form[data-fault]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form));
      const body = { kind: form.dataset.fault };
      if (body.kind === "rate_limit") {
        body.retry_after = Number(values.retry_after) || 3;
        if (values.seconds) body.seconds = Number(values.seconds);
        else body.calls = Number(values.calls) || 1;
      } else if (body.kind === "server_error") {
        body.calls = Number(values.calls) || 1;
        body.status = Number(values.status) || 502;
      } else if (body.kind === "delay") {
        body.seconds = (Number(values.ms) || 0) / 1000;
      }
      await post("/faults", body).catch((e) => window.console.error(e));
    });
  }
  document.getElementById("clear-faults").addEventListener("click", () => {
    post("/faults", { kind: "clear" }).catch((e) => window.console.error(e));
  });
  // Close open attachment menus when clicking elsewhere.
  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll(".attach-menu:not([hidden])")) {
      if (!menu.parentElement.contains(event.target)) menu.hidden = true;
    }
  });
}

setupGuide();
setupClock();
setupForms();
pollForever();
