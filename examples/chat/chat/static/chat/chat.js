// The chat page: one WebSocket, typed JSON frames {action, payload}.
(function () {
  "use strict";
  const root = document.getElementById("chat");
  const room = root.dataset.room;
  const list = document.getElementById("messages");
  const status = document.getElementById("status");
  const typingLine = document.getElementById("typing");
  const input = document.getElementById("text");
  const typers = new Set();
  let socket;
  let typingTimer = null;

  function add(text, cls) {
    const item = document.createElement("li");
    item.textContent = text;
    if (cls) item.className = cls;
    list.appendChild(item);
  }

  function send(action, payload) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ action: action, payload: payload === undefined ? null : payload }));
    }
  }

  const handlers = {
    authentication: (p) => { status.textContent = p.status_code === 200 ? "connected" : "refused: " + p.status_text; },
    joined: (p) => add("You joined #" + p.room + " as " + p.user, "system"),
    member_joined: (p) => add(p.user + " joined", "system"),
    room_message: (p) => add(p.user + ": " + p.text),
    typing_notice: (p) => {
      if (p.typing) typers.add(p.user); else typers.delete(p.user);
      typingLine.textContent = typers.size ? Array.from(typers).join(", ") + " typing…" : "";
    },
    announcement_message: (p) => add("📣 " + p.text, "system"),
    error: (p) => add("error: " + p.detail, "system"),
    pong: () => {},
  };

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + location.host + "/ws/chat/" + encodeURIComponent(room) + "/");
    socket.onopen = () => send("join");
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const handle = handlers[message.action];
      if (handle) handle(message.payload);
    };
    socket.onclose = (event) => {
      status.textContent = "disconnected (" + event.code + ")";
      // 1012: the server restarts or lost its channel layer; 1006: network. Reconnect.
      if (event.code < 4000) setTimeout(connect, 1000);
    };
  }

  document.getElementById("send").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send("message", { text: text });
    input.value = "";
    send("typing", { typing: false });
  });
  input.addEventListener("input", () => {
    if (typingTimer === null) send("typing", { typing: true });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typingTimer = null; send("typing", { typing: false }); }, 2000);
  });
  connect();
})();
