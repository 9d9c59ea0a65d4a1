// sockio demo chat — plain browser JavaScript talking to the sockio gateway
// through the official socket.io client bundle (global `io`).
"use strict";
(() => {
  const DEFAULT_ROOM = "lobby", NAME_KEY = "sockio.chat.name", ACK_TIMEOUT_MS = 8000, MAX_MESSAGES = 500;
  // chat:typing is sent at most every TYPING_SEND_MS; "x is typing…" is shown TYPING_SHOW_MS after the last one.
  const TYPING_SEND_MS = 2000, TYPING_SHOW_MS = 3000;

  const el = {};
  for (const id of ["status", "toggle-connection", "notice", "login-view", "login-form", "name", "token", "connect",
    "chat-view", "rooms", "join-form", "room-input", "presence", "presence-count", "room-title", "identity",
    "messages", "typing", "composer", "message-input", "send"]) {
    el[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
  }

  const state = {
    socket: null, name: "", active: null,
    rooms: new Map(),  // name -> { name, messages, members: Map(sid -> member), typing: Map(name -> timer), unread, joined }
    conn: "disconnected", statusText: "not connected", transport: "", attempt: 0,
    everConnected: false, lastTyping: { room: null, at: 0 },
  };

  // ---- helpers
  // All user-provided text goes through textContent (never innerHTML).
  function h(tag, cls, text, props) {
    const node = Object.assign(document.createElement(tag), props);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  const str = (v, max) => (typeof v === "string" ? v.slice(0, max) : "");
  const isObj = (v) => v !== null && typeof v === "object";
  const connected = () => !!(state.socket && state.socket.connected);
  const clearTyping = (room) => { room.typing.forEach((t) => clearTimeout(t)); room.typing.clear(); };
  const hue = (text) => [...text].reduce((x, ch) => (x * 31 + ch.codePointAt(0)) >>> 0, 7) % 360;
  const fmtTime = (ts) => new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const errText = (res) => res.error || "unknown error";

  const notice = (text, level = "info") => { el.notice.textContent = text; el.notice.dataset.level = level; };
  const showView = (view) => { el.loginView.hidden = view !== "login"; el.chatView.hidden = view !== "chat"; };

  // Emit with an acknowledgement; always resolves to an object ({ok, …} or {error}).
  function call(event, ...args) {
    const socket = state.socket;
    return new Promise((resolve) => {
      if (!socket || !socket.connected) return resolve({ error: "not connected" });
      socket.timeout(ACK_TIMEOUT_MS).emit(event, ...args, (err, res) => {
        if (err) resolve({ error: err.message === "operation has timed out" ? "no reply from server" : err.message });
        else resolve(isObj(res) ? res : { error: "malformed reply" });
      });
    });
  }

  // ---- status bar
  const setStatus = (conn, statusText) => { Object.assign(state, { conn, statusText }); renderStatus(); };
  function renderStatus() {
    const transport = state.conn === "connected" ? state.transport : "", s = state.socket;
    el.status.dataset.state = state.conn;
    el.status.dataset.transport = transport;
    el.status.textContent = transport ? `${state.statusText} · ${transport}` : state.statusText;
    el.toggleConnection.disabled = !s;
    el.toggleConnection.textContent = s && (s.connected || s.active) ? "Disconnect" : "Reconnect";
    document.body.classList.toggle("offline", !connected());
  }

  // ---- rooms
  function ensureRoom(name) {
    if (!state.rooms.has(name)) state.rooms.set(name, { name, messages: [], members: new Map(), typing: new Map(), unread: 0, joined: false });
    return state.rooms.get(name);
  }
  function addSelf(room) {
    const id = state.socket && state.socket.id;
    if (id && !room.members.has(id)) room.members.set(id, { sid: id, user: "", name: state.name });
  }

  async function joinRoom(name, activate) {
    const room = ensureRoom(name);
    if (activate || state.active == null) switchRoom(name); else renderRooms();
    if (room.joined || !connected()) return;  // when offline the room is joined on (re)connect
    const res = await call("join", name);
    if (state.rooms.get(name) !== room) return;  // left in the meantime
    if (res.ok) {
      room.joined = true;
      addSelf(room);
      renderRooms();
      if (name === state.active) renderPresence();
      refreshPresence(name);
    } else if (connected()) {
      notice(`Could not join "${name}": ${errText(res)}`, "error");
      removeRoom(name);
    }
  }

  async function leaveRoom(name) {
    const room = state.rooms.get(name);
    if (room && room.joined && connected()) {
      const res = await call("leave", name);
      if (!res.ok && connected()) return notice(`Could not leave "${name}": ${errText(res)}`, "error");
    }
    removeRoom(name);
  }

  function removeRoom(name) {
    const room = state.rooms.get(name);
    if (!room) return;
    clearTyping(room);
    state.rooms.delete(name);
    if (state.active === name) switchRoom(state.rooms.keys().next().value ?? null);
    else renderRooms();
  }

  function switchRoom(name) {
    const room = state.rooms.get(name);
    state.active = name;
    if (room) room.unread = 0;
    if (room && room.joined) refreshPresence(name);
    renderAll();
  }

  async function refreshPresence(name) {
    const res = await call("presence", name), room = state.rooms.get(name);
    if (!room) return;
    if (!res.ok) return connected() && notice(`Presence of "${name}": ${errText(res)}`, "error");
    room.members = new Map();
    for (const m of Array.isArray(res.members) ? res.members : []) {
      if (!isObj(m) || typeof m.sid !== "string") continue;
      const user = m.user == null ? "" : String(m.user).slice(0, 200);
      room.members.set(m.sid, { sid: m.sid, user, name: str(m.name, 100) || user || m.sid });
    }
    addSelf(room);
    if (name === state.active) renderPresence();
  }

  // Published events carry no room, so this page adds `room` to its payloads;
  // payloads without one (from other clients) are shown in the active room.
  function roomOf(payload) {
    const room = str(payload.room, 200);
    return room ? (state.rooms.has(room) ? room : null) : state.active;
  }

  function presenceEvent(p, joined) {
    const room = isObj(p) && state.rooms.get(str(p.room, 200)), sid = isObj(p) && str(p.sid, 200);
    if (!room || !sid) return;
    const user = p.user == null ? "" : String(p.user).slice(0, 200), name = str(p.name, 100) || user || sid;
    if (joined) room.members.set(sid, { sid, user, name });
    else { room.members.delete(sid); stopTyping(room, name); }
    addEntry(room.name, { kind: "system", text: `${name} ${joined ? "joined" : "left"}`, ts: Date.now() });
    if (room.name === state.active) renderPresence();
  }

  // ---- messages
  function addEntry(roomName, entry) {
    const room = state.rooms.get(roomName);
    if (!room) return entry;
    room.messages.push(entry);
    if (room.messages.length > MAX_MESSAGES) room.messages.splice(0, room.messages.length - MAX_MESSAGES);
    if (roomName === state.active) {
      const list = el.messages;
      const stick = entry.own || list.scrollHeight - list.scrollTop - list.clientHeight < 80;
      list.append(messageEl(entry));
      while (list.children.length > MAX_MESSAGES) list.firstElementChild.remove();
      if (stick) list.scrollTop = list.scrollHeight;
    } else if (entry.kind === "message") {
      room.unread++;
      renderRooms();
    }
    return entry;
  }

  function messageEl(m) {
    if (m.kind === "system") return h("li", "system", m.text);
    const li = h("li", m.own ? "message own" : "message");
    li.style.setProperty("--hue", hue(m.name));
    const meta = h("div", "meta");
    meta.append(h("span", "name", m.name), h("time", "time", fmtTime(m.ts), { dateTime: new Date(m.ts).toISOString() }));
    li.append(meta, h("div", "text", m.text));
    m.el = li;
    updateMessageEl(m);
    return li;
  }
  function updateMessageEl(m) {
    m.el.classList.toggle("pending", !!m.pending);
    m.el.classList.toggle("failed", !!m.failed);
    m.el.title = m.failed ? `Not delivered: ${m.failed}` : "";
  }

  async function sendMessage() {
    const text = el.messageInput.value.trim(), room = state.active;
    if (!text || room == null) return;
    if (!connected()) return notice("Not connected — message not sent.", "error");
    const payload = { room, name: state.name, text, ts: Date.now() };
    const entry = addEntry(room, { kind: "message", name: state.name, text, ts: payload.ts, own: true, pending: true });
    el.messageInput.value = "";
    // The message clears "x is typing…" at the others, so the next keystroke must announce typing again.
    state.lastTyping = { room: null, at: 0 };
    const res = await call("publish", room, "chat:message", payload);
    entry.pending = false;
    if (!res.ok) notice(`Message not delivered: ${(entry.failed = errText(res))}`, "error");
    if (entry.el) updateMessageEl(entry);
  }

  // ---- typing indicator
  function sendTyping() {
    const room = state.active, now = Date.now();
    if (room == null || !connected() || !el.messageInput.value.trim()) return;
    if (state.lastTyping.room === room && now - state.lastTyping.at < TYPING_SEND_MS) return;
    state.lastTyping = { room, at: now };
    call("publish", room, "chat:typing", { room, name: state.name });  // result deliberately ignored
  }
  function onTyping(roomName, name) {
    const room = state.rooms.get(roomName);
    if (!room || !name) return;
    clearTimeout(room.typing.get(name));
    room.typing.set(name, setTimeout(() => stopTyping(room, name), TYPING_SHOW_MS));
    if (roomName === state.active) renderTyping();
  }
  function stopTyping(room, name) {
    if (!room || !room.typing.has(name)) return;
    clearTimeout(room.typing.get(name));
    room.typing.delete(name);
    if (room.name === state.active) renderTyping();
  }

  // ---- rendering
  function renderRooms() {
    el.rooms.replaceChildren(...[...state.rooms.values()].map((room) => {
      const li = h("li", "room", null, { title: room.joined ? room.name : `${room.name} (not joined yet)` });
      li.dataset.room = room.name;
      li.classList.toggle("active", room.name === state.active);
      li.classList.toggle("pending", !room.joined);
      li.append(h("span", "room-name", room.name));
      if (room.unread) li.append(h("span", "badge", String(room.unread)));
      li.append(h("button", "leave", "×", { type: "button", title: `Leave ${room.name}`, ariaLabel: `Leave ${room.name}` }));
      return li;
    }));
  }

  function renderPresence() {
    const room = state.rooms.get(state.active), selfId = state.socket && state.socket.id;
    const members = room ? [...room.members.values()].sort((a, b) => a.name.localeCompare(b.name)) : [];
    el.presenceCount.textContent = room ? String(members.length) : "";
    el.presence.replaceChildren(...members.map((m) => {
      const li = h("li", m.sid === selfId ? "member self" : "member", null, { title: m.user ? `user: ${m.user}` : "" });
      li.dataset.sid = m.sid;
      li.style.setProperty("--hue", hue(m.name));
      li.append(h("span", "avatar", ([...m.name][0] || "?").toUpperCase()), h("span", "member-name", m.name));
      if (m.sid === selfId) li.append(h("span", "you", "you"));
      return li;
    }));
  }

  function renderTyping() {
    const room = state.rooms.get(state.active), names = room ? [...room.typing.keys()] : [];
    el.typing.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…`
      : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : `${names.length} people are typing…`;
  }

  function renderAll() {
    const room = state.rooms.get(state.active);
    el.roomTitle.textContent = state.active ?? "no room — join one";
    el.identity.textContent = state.name ? `as ${state.name}` : "";
    el.messageInput.disabled = el.send.disabled = !room;
    el.messages.replaceChildren(...(room ? room.messages.map(messageEl) : []));
    el.messages.scrollTop = el.messages.scrollHeight;
    renderRooms();
    renderPresence();
    renderTyping();
    renderStatus();
  }

  // ---- connection
  const watchedEngines = new WeakSet();
  function watchEngine(socket) {  // each (re)connection gets a new engine; follow its upgrade
    const engine = socket.io.engine;
    if (!engine || watchedEngines.has(engine)) return;
    watchedEngines.add(engine);
    engine.on("upgrade", (transport) => {
      if (state.socket !== socket) return;
      state.transport = (transport && transport.name) || engine.transport.name;
      renderStatus();
    });
  }

  function resetRooms() {  // server-side membership is gone after a disconnect
    for (const room of state.rooms.values()) { room.joined = false; room.members.clear(); clearTyping(room); }
  }

  function connect(name, token) {
    const old = state.socket;
    if (old) { state.socket = null; old.disconnect(); old.off(); old.io.off(); }
    resetRooms();
    Object.assign(state, { name, everConnected: false, transport: "" });
    // forceNew: a fresh Manager per login, so no listeners leak between sessions.
    const socket = io({ auth: token ? { name, token } : { name }, forceNew: true });
    const manager = socket.io;
    state.socket = socket;
    window.chat = { socket, state };
    const on = (target, event, fn) => target.on(event, (...args) => { if (state.socket === socket) fn(...args); });

    on(socket, "connect", () => {
      state.everConnected = true;
      state.transport = (manager.engine && manager.engine.transport.name) || "";
      watchEngine(socket);
      setStatus("connected", "connected");
      showView("chat");
      ensureRoom(DEFAULT_ROOM);
      if (state.active == null) state.active = DEFAULT_ROOM;
      renderAll();
      for (const room of [...state.rooms.keys()]) joinRoom(room, false);  // rooms are lost on reconnect
    });
    on(socket, "disconnect", (reason) => {
      state.transport = "";
      resetRooms();
      setStatus("disconnected", `disconnected: ${reason}`);
      if (reason === "io server disconnect") notice("The server closed the connection. Use Reconnect to try again.", "error");
      renderAll();
    });
    on(socket, "connect_error", (err) => {
      const msg = (err && err.message) || String(err);
      notice(`Connection error: ${msg}`, "error");
      setStatus("error", `connect error: ${msg}${socket.active ? " (retrying)" : ""}`);
      if (!socket.active && !state.everConnected) showView("login");  // e.g. a bad token: let the user fix it
    });
    on(socket, "error", (e) => notice(isObj(e)
      ? `${e.code ? `${String(e.code)}: ` : ""}${String(e.message ?? "server error")}` : `Server error: ${String(e)}`, "error"));
    on(socket, "chat:message", (p) => {
      if (!isObj(p)) return;
      const room = roomOf(p), text = str(p.text, 4000), name = str(p.name, 100) || "anonymous";
      if (room == null || !text) return;
      stopTyping(state.rooms.get(room), name);
      addEntry(room, { kind: "message", name, text, ts: Number.isFinite(p.ts) ? p.ts : Date.now() });
    });
    on(socket, "chat:typing", (p) => {
      const room = isObj(p) ? roomOf(p) : null;
      if (room != null) onTyping(room, str(p.name, 100));
    });
    on(socket, "presence:join", (p) => presenceEvent(p, true));
    on(socket, "presence:leave", (p) => presenceEvent(p, false));

    on(manager, "open", () => watchEngine(socket));
    on(manager, "reconnect_attempt", (n) => setStatus("reconnecting", `reconnecting (attempt ${(state.attempt = n)})`));
    on(manager, "reconnect_error", (err) =>
      setStatus("reconnecting", `reconnecting (attempt ${state.attempt}) · ${(err && err.message) || "error"}`));
    on(manager, "reconnect", (n) => notice(`Reconnected after ${n} attempt${n === 1 ? "" : "s"}.`));
    on(manager, "reconnect_failed", () => setStatus("disconnected", "disconnected: reconnection failed"));

    setStatus("connecting", "connecting");
    renderAll();
  }

  // ---- UI events
  el.loginForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = el.name.value.trim();
    if (!name) { notice("Please choose a nickname.", "error"); el.name.focus(); return; }
    try { localStorage.setItem(NAME_KEY, name); } catch { /* storage unavailable */ }
    connect(name, el.token.value.trim());
  });

  el.toggleConnection.addEventListener("click", () => {
    const socket = state.socket;
    if (!socket) return;
    if (socket.connected || socket.active) {
      socket.disconnect();  // emits "disconnect" if it was connected; also stops a reconnection loop
      state.transport = "";
      setStatus("disconnected", "disconnected: io client disconnect");
    } else {
      setStatus("connecting", "connecting");
      socket.connect();
      renderStatus();
    }
  });

  el.joinForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const room = el.roomInput.value.trim();
    el.roomInput.value = "";
    if (room) joinRoom(room, true);
  });

  el.rooms.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-room]");
    if (li) (e.target.closest("button.leave") ? leaveRoom : switchRoom)(li.dataset.room);
  });

  el.composer.addEventListener("submit", (e) => { e.preventDefault(); sendMessage(); });
  el.messageInput.addEventListener("input", sendTyping);

  // ---- start
  try { el.name.value = localStorage.getItem(NAME_KEY) || ""; } catch { /* ignore */ }
  showView("login");
  renderAll();
  if (typeof io !== "function") notice("The socket.io client bundle could not be loaded.", "error");
  (el.name.value ? el.connect : el.name).focus();
})();
