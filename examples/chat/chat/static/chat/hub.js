// @ts-check
// The hub page: every room on ONE WebSocket, each room a topic of the generated client
// (./client/: regenerate it with `python examples/chat/regenerate_client.py`).
// - `rooms` (PublicRoomListTopic) is the live list of public rooms: the whole list right
//   after subscribing, then `created` / `updated` / `removed` / `deleted` as rooms are saved
//   anywhere (the admin, a shell, a command).
// - `room:<name>` (RoomTopic) is one open room: say things, see messages and who types.
// Subscriptions survive reconnects: the client subscribes again, and the list comes again.
import { HubClient, SubscriptionRefused } from "./client/index.js";

/** @typedef {import("./client/index.js").ListedRoom} ListedRoom */
/** @typedef {import("./client/index.js").RoomTopic} RoomTopic */

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`The page has no #${id}`);
  return found;
}

/**
 * The first element matching `selector` in `root` (a room panel).
 * @param {ParentNode} root
 * @param {string} selector
 */
function part(root, selector) {
  const found = root.querySelector(selector);
  if (!(found instanceof HTMLElement)) throw new Error(`No ${selector} in the room template`);
  return found;
}

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error ? error.message : String(error);
}

const status = element("status");
const listElement = element("room-list");
const panels = element("open-rooms");
const panelTemplate = /** @type {HTMLTemplateElement} */ (element("room-panel"));
const nameInput = /** @type {HTMLInputElement} */ (element("room-name"));

const client = new HubClient(location.origin, {
  onStateChange(change) {
    if (change.state === "reconnecting" && change.code !== undefined) {
      status.textContent = `disconnected (${change.code}), reconnecting`;
    } else if (change.state === "closed") {
      status.textContent = `disconnected (${change.code ?? "closed"})`;
    }
  },
});
client.on("authentication", ({ payload }) => {
  status.textContent = payload.status_code === 200 ? "connected" : "refused: " + payload.status_text;
});

// The live list: a mirror of the public rooms, keyed by id.
/** @type {Map<number | string, ListedRoom>} */
const rooms = new Map();
const roomList = client.publicRoomListTopic();

function renderList() {
  const sorted = [...rooms.values()].sort((a, b) => a.name.localeCompare(b.name));
  listElement.replaceChildren(
    ...sorted.map((room) => {
      const item = document.createElement("li");
      item.dataset["room"] = room.name;
      const label = document.createElement("span");
      label.textContent = room.name + " ";
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = room.title;
      label.appendChild(title);
      const open = document.createElement("button");
      open.type = "button";
      open.textContent = "Open";
      open.addEventListener("click", () => openRoom(room.name));
      item.append(label, open);
      return item;
    }),
  );
}

roomList.on("room_list", ({ payload }) => {
  rooms.clear();
  for (const room of payload) rooms.set(room.id, room);
  renderList();
});
/** @param {{ payload: ListedRoom }} message */
function put({ payload }) {
  rooms.set(payload.id, payload);
  renderList();
}
/** @param {{ payload: { pk: number | string } }} message */
function drop({ payload }) {
  if (rooms.delete(payload.pk)) renderList();
}
roomList.on("created", put);
roomList.on("updated", put);
roomList.on("removed", drop);
roomList.on("deleted", drop);

// Open rooms: one panel per room, each a subscription on the same socket.
/** @type {Map<string, () => void>} */
const openRooms = new Map();

/** @param {string} name */
function openRoom(name) {
  if (openRooms.has(name)) return;
  const fragment = /** @type {DocumentFragment} */ (panelTemplate.content.cloneNode(true));
  const panel = part(fragment, "article");
  panel.dataset["room"] = name;
  part(panel, "h2").textContent = "#" + name;
  const state = part(panel, ".state");
  const messages = part(panel, ".messages");
  const typingLine = part(panel, ".typing");
  const form = /** @type {HTMLFormElement} */ (part(panel, ".say"));
  const input = /** @type {HTMLInputElement} */ (part(form, "input"));
  const send = /** @type {HTMLButtonElement} */ (part(form, "button"));
  panels.appendChild(panel);

  /**
   * @param {string} text
   * @param {string} [cls]
   */
  const add = (text, cls) => {
    const item = document.createElement("li");
    item.textContent = text;
    if (cls) item.className = cls;
    messages.appendChild(item);
  };
  /** @param {Promise<unknown>} promise */
  const report = (promise) => promise.catch((error) => add("error: " + describe(error), "system"));
  /** @param {SubscriptionRefused} error */
  const refused = (error) => {
    panel.classList.add("refused");
    state.textContent = "refused: " + error.reason;
    input.disabled = send.disabled = true;
  };

  const topic = client.roomTopic({ name });
  /** @type {Set<string>} */
  const typers = new Set();
  /** @type {ReturnType<typeof setTimeout> | null} */
  let typingTimer = null;
  /** @param {boolean} typing */
  const sendTyping = (typing) => report(topic.sendTyping({ typing }));
  const stopListening = [
    topic.on("room_message", ({ payload }) => add(payload.user + ": " + payload.text)),
    topic.on("announcement_message", ({ payload }) => add("📣 " + payload.text, "system")),
    topic.on("error", ({ payload }) => add("error: " + payload.detail, "system")),
    topic.on("typing_notice", ({ payload }) => {
      if (payload.typing) typers.add(payload.user);
      else typers.delete(payload.user);
      typingLine.textContent = typers.size ? [...typers].join(", ") + " typing…" : "";
    }),
    topic.onRefused(refused),
  ];

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    report(topic.sendMessage({ text }));
    input.value = "";
    if (typingTimer !== null) clearTimeout(typingTimer);
    typingTimer = null;
    sendTyping(false);
  });
  input.addEventListener("input", () => {
    if (typingTimer === null) sendTyping(true);
    else clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      typingTimer = null;
      sendTyping(false);
    }, 2000);
  });

  let closed = false;
  const close = () => {
    closed = true;
    openRooms.delete(name);
    for (const stop of stopListening) stop();
    if (typingTimer !== null) clearTimeout(typingTimer);
    panel.remove();
    if (topic.subscribed) report(topic.unsubscribe());
  };
  part(panel, ".close").addEventListener("click", close);
  openRooms.set(name, close);

  topic.subscribe().then(
    () => {
      if (closed) {
        report(topic.unsubscribe()); // closed while the subscription was on its way
        return;
      }
      state.textContent = "subscribed";
      input.disabled = send.disabled = false;
    },
    (error) => {
      if (error instanceof SubscriptionRefused) refused(error);
      else state.textContent = "error: " + describe(error);
    },
  );
}

element("open-room").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (name) openRoom(name);
  nameInput.value = "";
});

// Exposed for the browser tests and for poking at the client from the console.
Object.assign(window, { hubClient: client });
client
  .connect()
  .then(() => roomList.subscribe())
  .catch((error) => {
    status.textContent = "error: " + describe(error);
  });
