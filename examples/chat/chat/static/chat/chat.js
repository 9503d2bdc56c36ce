// @ts-check
// The chat page, written against the TypeScript client generated from the server's AsyncAPI
// document (./client/: regenerate it with `python examples/chat/regenerate_client.py`).
// The client owns the socket: it reconnects when the server restarts (close code 1012) or the
// network drops, stops when the credentials are refused (4401/4403), and matches `join` to
// its `joined` reply by `ref`.
import { ChatClient } from "./client/index.js";

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`The page has no #${id}`);
  return found;
}

const root = element("chat");
const list = element("messages");
const status = element("status");
const typingLine = element("typing");
const input = /** @type {HTMLInputElement} */ (element("text"));
const room = root.dataset["room"] ?? "lobby";
/** @type {Set<string>} */
const typers = new Set();
/** @type {ReturnType<typeof setTimeout> | null} */
let typingTimer = null;

/**
 * @param {string} text
 * @param {string} [cls]
 */
function add(text, cls) {
  const item = document.createElement("li");
  item.textContent = text;
  if (cls) item.className = cls;
  list.appendChild(item);
}

/**
 * Show why a send or request failed (the connection is gone for good, or the server refused).
 * @param {Promise<unknown>} promise
 */
function reportFailure(promise) {
  promise.catch((/** @type {unknown} */ error) => {
    add("error: " + (error instanceof Error ? error.message : String(error)), "system");
  });
}

const client = new ChatClient(location.origin, { room }, {
  onStateChange(change) {
    if (change.state === "reconnecting" && change.code !== undefined) {
      status.textContent = `disconnected (${change.code}), reconnecting`;
    } else if (change.state === "closed") {
      status.textContent = `disconnected (${change.code ?? "closed"})`;
    }
  },
});

client.on("authentication", ({ payload }) => {
  if (payload.status_code !== 200) {
    status.textContent = "refused: " + payload.status_text;
    return;
  }
  status.textContent = "connected";
  // On every (re)connection: the reply comes back to this request only, matched by its ref.
  reportFailure(
    client.requestJoin().then(({ payload: joined }) => {
      add(`You joined #${joined.room} as ${joined.user}`, "system");
    }),
  );
});
client.on("member_joined", ({ payload }) => add(payload.user + " joined", "system"));
client.on("room_message", ({ payload }) => add(payload.user + ": " + payload.text));
client.on("typing_notice", ({ payload }) => {
  if (payload.typing) typers.add(payload.user);
  else typers.delete(payload.user);
  typingLine.textContent = typers.size ? Array.from(typers).join(", ") + " typing…" : "";
});
client.on("announcement_message", ({ payload }) => add("📣 " + payload.text, "system"));
client.on("error", ({ payload }) => add("error: " + payload.detail, "system"));

/** @param {boolean} typing */
function sendTyping(typing) {
  reportFailure(client.sendTyping({ typing }));
}

element("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  reportFailure(client.sendMessage({ text }));
  input.value = "";
  sendTyping(false);
});
input.addEventListener("input", () => {
  if (typingTimer === null) sendTyping(true);
  if (typingTimer !== null) clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    typingTimer = null;
    sendTyping(false);
  }, 2000);
});

// Exposed for the browser tests and for poking at the client from the console.
Object.assign(window, { chatClient: client });
reportFailure(client.connect());
