// The chanx-client TypeScript runtime, copied unchanged next to every generated client.
// Do not edit the copy: regenerate the client instead.
/** The default {@link ReconnectPolicy}: 0.5 s, doubling up to 30 s, up to half of it jittered. */
export const DEFAULT_RECONNECT = {
    initialDelay: 500,
    maxDelay: 30000,
    multiplier: 2,
    jitter: 0.5,
    maxAttempts: null,
};
/** The base of every error the runtime raises. */
export class ChanxError extends Error {
    constructor(message) {
        super(message);
        this.name = new.target.name;
    }
}
/** The server answered a request with an `error` message; `payload` is its payload. */
export class ServerError extends ChanxError {
    constructor(payload) {
        super(`The server refused the frame: ${detailOf(payload) ?? JSON.stringify(payload)}`);
        this.payload = payload;
    }
}
/** No reply came within the request's timeout. */
export class RequestTimeout extends ChanxError {
}
/** The server completed the request (`complete`) without replying to it. */
export class NoReply extends ChanxError {
}
/** The reply's action was not one the request expects. */
export class UnexpectedReply extends ChanxError {
    constructor(reply, expected) {
        super(`Expected a reply among ${expected.join(", ")}, got '${reply.action}'`);
        this.reply = reply;
    }
}
/** The connection dropped before the reply came (the client may reconnect; retry then). */
export class ConnectionLost extends ChanxError {
}
/** `close()` was called, or `connect()` never was. */
export class ClientClosed extends ChanxError {
}
/** The server refused the connection's credentials (close code 4000 + HTTP status, e.g. 4401, 4403). */
export class AuthenticationRefused extends ChanxError {
    constructor(code, reason) {
        super(`The server refused the credentials (close code ${code}${reason ? `: ${reason}` : ""})`);
        this.code = code;
    }
}
/** The server closed the connection with a code that forbids reconnecting (1000, 1008, 1009, ...). */
export class ConnectionClosedByServer extends ChanxError {
    constructor(code, reason) {
        super(`The server closed the connection (close code ${code}${reason ? `: ${reason}` : ""})`);
        this.code = code;
    }
}
/** The server refused a topic subscription; `reason` is its code, e.g. `unauthorized`. */
export class SubscriptionRefused extends ChanxError {
    constructor(topic, reason, detail) {
        super(`Subscription to '${topic}' refused (${reason}): ${detail}`);
        this.topic = topic;
        this.reason = reason;
        this.detail = detail;
    }
}
const RECONNECT_CODES = new Set([1001, 1006, 1011, 1012, 1013, 1014]);
/**
 * What to do after the server (or the network) closed the connection with `code`.
 *
 * 1001 going away, 1006 abnormal (also every failed handshake in a browser), 1011 server
 * error, 1012 restart, 1013 try again later and 1014 bad gateway: reconnect with backoff. 4400–4499 (4000 plus
 * an HTTP 4xx status): the credentials were refused, stop. 1000: closed normally, stop.
 * Everything else (1008 policy violation or rate limit, 1009 frame too big, other 4xxx):
 * stop, since trying again would fail again.
 */
export function closeOutcome(code) {
    if (RECONNECT_CODES.has(code))
        return "reconnect";
    if (code === 1000)
        return "closed";
    if (code >= 4400 && code <= 4499)
        return "refused";
    return "stopped";
}
/** The delay before reconnect attempt `attempt` (1-based) under `policy`, in milliseconds. */
export function backoffDelay(policy, attempt, random) {
    const base = Math.min(policy.maxDelay, policy.initialDelay * policy.multiplier ** (attempt - 1));
    return Math.round(base * (1 - policy.jitter * random));
}
const ENVELOPE_VERSION = 1;
// Every JavaScript host has timers, but only the DOM and Node typings declare them; this file
// depends on neither.
const timers = globalThis;
function isRecord(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
function detailOf(payload) {
    return isRecord(payload) && typeof payload["detail"] === "string" ? payload["detail"] : undefined;
}
/**
 * Topic `pattern` (`room:{name}`) with its placeholders filled from `params`; generated
 * topic methods use it.
 */
export function fillPattern(pattern, params) {
    return pattern.replace(/\{([^}]+)\}/g, (_, name) => {
        const value = params[name];
        if (value === undefined || value === null) {
            throw new ChanxError(`Missing topic parameter '${name}' for pattern '${pattern}'`);
        }
        return String(value);
    });
}
/** `http(s)://` becomes `ws(s)://`; the address's `{name}` placeholders are filled, escaped. */
function socketUrl(baseUrl, address, params) {
    const base = baseUrl.replace(/^http(s?):\/\//, "ws$1://").replace(/\/+$/, "");
    if (!/^wss?:\/\//.test(base)) {
        throw new ChanxError(`Base URL '${baseUrl}' must start with ws://, wss://, http:// or https://`);
    }
    const path = address.replace(/\{([^}]+)\}/g, (_, name) => {
        const value = params[name];
        if (value === undefined || value === null) {
            throw new ChanxError(`Missing path parameter '${name}' for address '${address}'`);
        }
        return encodeURIComponent(String(value));
    });
    return base + path;
}
/** Listeners of one stream (the consumer's own frames, or one topic's), by action. */
class Listeners {
    constructor() {
        this.all = new Set();
        this.byAction = new Map();
    }
    add(action, listener) {
        let set = this.all;
        if (action !== null) {
            set = this.byAction.get(action) ?? new Set();
            this.byAction.set(action, set);
        }
        set.add(listener);
        return () => {
            set.delete(listener);
        };
    }
    emit(message, context) {
        for (const listener of [...(this.byAction.get(message.action) ?? []), ...this.all]) {
            listener(message, context);
        }
    }
}
/**
 * One topic on the client's socket: subscribe, send, request, and listen to its pushes.
 *
 * Get it from the generated client's topic method (or {@link ChanxClient.topic}). Once
 * subscribed, the subscription is made again after every reconnect; if the server then
 * refuses it, the `onRefused` listeners hear why.
 */
export class TopicHandle {
    /** Made by the client's topic methods; `actions` are the topic's incoming actions. */
    constructor(client, name, actions) {
        this.listeners = new Listeners();
        this.refusedListeners = new Set();
        this.wanted = false;
        this.client = client;
        this.name = name;
        this.actions = new Set(actions);
    }
    /** Whether the topic was subscribed (and not unsubscribed or refused since). */
    get subscribed() {
        return this.wanted;
    }
    /** Subscribe; rejects with {@link SubscriptionRefused} when the server says no. */
    async subscribe(options = {}) {
        await this.exchange("subscribe", options);
        this.wanted = true;
    }
    /** Unsubscribe; pushes stop, and reconnects no longer subscribe again. */
    async unsubscribe(options = {}) {
        this.wanted = false;
        await this.exchange("unsubscribe", options);
    }
    /** Send a message on the topic. */
    send(message) {
        return this.client.transmit(message, undefined, this.name);
    }
    request(message, options = {}) {
        return this.client.exchange(message, this.name, options);
    }
    /** Listen to the topic's messages with this action; returns a function that stops listening. */
    on(action, listener) {
        return this.listeners.add(action, listener);
    }
    /** Listen to every message of the topic; returns a function that stops listening. */
    onMessage(listener) {
        return this.listeners.add(null, listener);
    }
    /** Hear about a resubscription (after a reconnect) that the server refused. */
    onRefused(listener) {
        this.refusedListeners.add(listener);
        return () => {
            this.refusedListeners.delete(listener);
        };
    }
    /** @internal Deliver a push or an unclaimed reply. */
    dispatch(message, context) {
        if (this.actions.has(message.action))
            this.listeners.emit(message, context);
    }
    /** @internal Subscribe again on a new connection, if the topic was subscribed. */
    resubscribe() {
        if (!this.wanted)
            return;
        this.exchange("subscribe", {}).catch((error) => {
            if (error instanceof SubscriptionRefused) {
                this.wanted = false;
                for (const listener of [...this.refusedListeners])
                    listener(error);
            }
            // Any other failure is the connection's: the next reconnect subscribes again.
        });
    }
    async exchange(action, options) {
        try {
            await this.client.exchange({ action }, this.name, options);
        }
        catch (error) {
            if (error instanceof ServerError) {
                const payload = isRecord(error.payload) ? error.payload : {};
                const reason = typeof payload["reason"] === "string" ? payload["reason"] : "refused";
                throw new SubscriptionRefused(this.name, reason, detailOf(payload) ?? "");
            }
            throw error;
        }
    }
}
/**
 * A typed client of one chanx WebSocket route; generated clients extend it.
 *
 * `In` is the union of messages the server sends, `Out` the union the client may send. The
 * client connects on {@link connect}, reconnects by the server's close codes (see
 * {@link closeOutcome}), hands messages to `on`/`onMessage` listeners, and answers
 * {@link request} with the first reply carrying the request's `ref`.
 */
export class ChanxClient {
    /**
     * @param baseUrl - `ws(s)://host[:port]`, or `http(s)://...` (a page can pass `location.origin`).
     * @param address - the route, with `{name}` placeholders, e.g. `/ws/chat/{room}/`.
     * @param params - the placeholders' values.
     * @param incomingActions - the actions the server may send; others are skipped.
     */
    constructor(baseUrl, address, params, incomingActions, options = {}, multiplexing = null) {
        this.listeners = new Listeners();
        this.topics = new Map();
        this.pending = new Map();
        this.waiters = [];
        this.socket = null;
        this.currentState = "idle";
        this.stopError = undefined;
        this.attempt = 0;
        this.everOpened = false;
        this.nextRef = 0;
        this.retryTimer = null;
        this.url = socketUrl(baseUrl, address, params);
        this.incomingActions = new Set(incomingActions);
        this.options = options;
        this.policy = options.reconnect === false ? null : { ...DEFAULT_RECONNECT, ...options.reconnect };
        this.multiplexing = multiplexing;
    }
    /** Where the client is; see {@link ClientOptions.onStateChange} to follow it. */
    get state() {
        return this.currentState;
    }
    /** Why the client stopped for good, once it has. */
    get error() {
        return this.stopError;
    }
    /**
     * Open the connection; resolves once it is open. Connection failures are retried by the
     * reconnect policy meanwhile; rejects when the client stops for good first (credentials
     * refused, attempts exhausted, `close()`).
     */
    connect() {
        if (this.currentState === "idle" || this.currentState === "closed") {
            this.stopError = undefined;
            this.attempt = 0;
            this.everOpened = false;
            this.open();
        }
        return this.whenOpen();
    }
    /** Close the connection for good (until the next `connect()`); pending calls fail with {@link ClientClosed}. */
    close(code = 1000, reason = "") {
        if (this.retryTimer !== null)
            timers.clearTimeout(this.retryTimer);
        this.retryTimer = null;
        const socket = this.socket;
        this.socket = null;
        if (socket !== null) {
            socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
            socket.close(code, reason);
        }
        if (this.currentState !== "closed" && this.currentState !== "idle") {
            this.stop(new ClientClosed("The client was closed"), code, reason);
        }
    }
    /** Send a message; waits while the client (re)connects. */
    send(message, ref) {
        return this.transmit(message, ref, undefined);
    }
    request(message, options = {}) {
        return this.exchange(message, undefined, options);
    }
    /** Listen to the server's messages with this action; returns a function that stops listening. */
    on(action, listener) {
        return this.listeners.add(action, listener);
    }
    /** Listen to every message from the server that no request claimed. */
    onMessage(listener) {
        return this.listeners.add(null, listener);
    }
    /**
     * The handle of topic `name` (one per name), whose messages are `actions`. Generated clients
     * offer a typed method per topic pattern instead.
     */
    topic(name, actions) {
        return this.topicHandle(name, () => new TopicHandle(this, name, actions));
    }
    /** The handle of topic `name`, made by `make` the first time. */
    topicHandle(name, make) {
        let handle = this.topics.get(name);
        if (handle === undefined) {
            handle = make();
            this.topics.set(name, handle);
        }
        return handle;
    }
    /** Send a frame with optional routing keys, once the connection is open. */
    async transmit(message, ref, topic) {
        await this.whenOpen();
        this.write(message, ref, topic);
    }
    /** Send a frame with a fresh ref and wait for its reply (see {@link request}). */
    exchange(message, topic, options) {
        const ref = String(++this.nextRef);
        const timeout = options.timeout ?? this.options.requestTimeout ?? 30000;
        return new Promise((resolve, reject) => {
            let settled = false;
            const timer = timers.setTimeout(() => {
                finish();
                reject(new RequestTimeout(`No reply to '${message.action}' (ref ${ref}) within ${timeout} ms`));
            }, timeout);
            const finish = () => {
                if (settled)
                    return false;
                settled = true;
                timers.clearTimeout(timer);
                this.pending.delete(ref);
                return true;
            };
            const fail = (error) => {
                if (finish())
                    reject(error);
            };
            this.whenOpen().then(() => {
                if (settled)
                    return;
                this.pending.set(ref, {
                    expect: options.expect,
                    resolve: (reply) => {
                        if (finish())
                            resolve(reply);
                    },
                    reject: fail,
                });
                this.write(message, ref, topic);
            }, fail);
        });
    }
    whenOpen() {
        if (this.currentState === "open")
            return Promise.resolve();
        if (this.currentState === "idle") {
            return Promise.reject(new ClientClosed("Call connect() before sending"));
        }
        if (this.currentState === "closed") {
            return Promise.reject(this.stopError ?? new ClientClosed("The client is closed"));
        }
        return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    write(message, ref, topic) {
        const socket = this.socket;
        if (socket === null || this.currentState !== "open") {
            throw new ConnectionLost("The connection is not open");
        }
        // Key order as the server writes it: the envelope first, then the message.
        let frame = {};
        if (topic !== undefined)
            frame = { version: ENVELOPE_VERSION, topic };
        if (ref !== undefined)
            frame["ref"] = ref;
        frame["action"] = message.action;
        if (message.payload !== undefined)
            frame["payload"] = message.payload;
        const mux = this.multiplexing;
        if (mux !== null && mux.consumerKey !== null) {
            frame = { [mux.versionField]: mux.version, [mux.consumerField]: mux.consumerKey, [mux.messageField]: frame };
        }
        socket.send(JSON.stringify(frame));
    }
    setState(change) {
        this.currentState = change.state;
        this.options.onStateChange?.(change);
    }
    open() {
        // A retry stays in the `reconnecting` state announced when it was scheduled.
        if (this.attempt === 0)
            this.setState({ state: "connecting", attempt: 0 });
        const protocols = this.options.protocols;
        const factory = this.options.webSocket ?? defaultWebSocket;
        let socket;
        try {
            socket = factory(this.url, typeof protocols === "string" ? protocols : protocols && [...protocols]);
        }
        catch (error) {
            this.stop(new ChanxError(`Cannot open ${this.url}: ${String(error)}`), undefined, undefined);
            return;
        }
        this.socket = socket;
        socket.onopen = () => this.opened();
        socket.onmessage = (event) => this.receive(event.data);
        socket.onclose = (event) => this.closed(event.code, event.reason);
        // A failed connection also closes (code 1006): onclose decides.
        socket.onerror = null;
    }
    opened() {
        const reopened = this.everOpened;
        this.everOpened = true;
        this.attempt = 0;
        this.setState({ state: "open", attempt: 0 });
        const waiters = this.waiters;
        this.waiters = [];
        for (const waiter of waiters)
            waiter.resolve();
        if (reopened)
            for (const handle of this.topics.values())
                handle.resubscribe();
    }
    closed(code, reason) {
        this.socket = null;
        const outcome = closeOutcome(code);
        this.failPending(new ConnectionLost(`The connection closed (code ${code}) before the reply came`));
        if (outcome === "reconnect" && this.policy !== null) {
            const policy = this.policy;
            this.attempt += 1;
            if (policy.maxAttempts !== null && this.attempt > policy.maxAttempts) {
                const error = new ConnectionLost(`Gave up after ${policy.maxAttempts} reconnect attempts (last close code ${code})`);
                this.stop(error, code, reason);
                return;
            }
            const delay = backoffDelay(policy, this.attempt, Math.random());
            this.setState({ state: "reconnecting", code, reason, attempt: this.attempt, delay });
            this.retryTimer = timers.setTimeout(() => {
                this.retryTimer = null;
                this.open();
            }, delay);
            return;
        }
        const error = outcome === "refused"
            ? new AuthenticationRefused(code, reason)
            : outcome === "reconnect"
                ? new ConnectionLost(`The connection closed (code ${code}) and reconnecting is off`)
                : new ConnectionClosedByServer(code, reason);
        this.stop(error, code, reason);
    }
    stop(error, code, reason) {
        this.stopError = error;
        this.failPending(error);
        const waiters = this.waiters;
        this.waiters = [];
        for (const waiter of waiters)
            waiter.reject(error);
        const change = { state: "closed", attempt: 0, error };
        this.setState(code === undefined ? change : { ...change, code, reason: reason ?? "" });
    }
    failPending(error) {
        const pending = [...this.pending.values()];
        this.pending.clear();
        for (const request of pending)
            request.reject(error);
    }
    receive(data) {
        if (typeof data !== "string")
            return;
        let frame;
        try {
            frame = JSON.parse(data);
        }
        catch {
            return;
        }
        const mux = this.multiplexing;
        if (mux !== null && mux.consumerKey !== null && isRecord(frame) && mux.consumerField in frame) {
            if (frame[mux.consumerField] !== mux.consumerKey)
                return;
            frame = frame[mux.messageField];
        }
        if (!isRecord(frame) || typeof frame["action"] !== "string")
            return;
        const { ref, topic, seq, version, ...rest } = frame;
        const message = rest;
        const context = {};
        if (typeof ref === "string" || typeof ref === "number")
            context.ref = ref;
        if (typeof topic === "string")
            context.topic = topic;
        if (typeof seq === "number")
            context.seq = seq;
        if (typeof version === "number")
            context.version = version;
        if (typeof ref === "string" && this.claim(ref, message))
            return;
        if (context.topic !== undefined) {
            this.topics.get(context.topic)?.dispatch(message, context);
            return;
        }
        // Forward compatibility: actions this client was not generated for are skipped.
        if (this.incomingActions.has(message.action))
            this.listeners.emit(message, context);
    }
    /** Settle the request waiting for `ref` with `message`; false when none waits. */
    claim(ref, message) {
        const request = this.pending.get(ref);
        if (request === undefined)
            return false;
        if (message.action === "complete") {
            request.reject(new NoReply(`The server completed ref ${ref} without a reply`));
        }
        else if (message.action === "error") {
            request.reject(new ServerError(message.payload));
        }
        else if (request.expect !== undefined && !request.expect.includes(message.action)) {
            request.reject(new UnexpectedReply(message, request.expect));
        }
        else {
            request.resolve(message);
        }
        return true;
    }
}
function defaultWebSocket(url, protocols) {
    const constructor = globalThis
        .WebSocket;
    if (constructor === undefined) {
        throw new ChanxError("No global WebSocket here: pass the `webSocket` option");
    }
    return new constructor(url, protocols);
}
