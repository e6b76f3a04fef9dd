// The student page of `tapedeck serve`. It uses only the class's JSON API and shows what it
// receives with textContent, never as HTML, so nothing another student typed can run here.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let token = null, code = (params.get("code") || "").toUpperCase(), events = null, current = null, last = {};
  const key = () => "tapedeck-token-" + code;

  function show(el, on) { el.hidden = !on; }

  async function call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    const r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    let data = {};
    try { data = await r.json(); } catch (e) { data = {}; }
    return { status: r.status, data };
  }

  function joined(t) {
    token = t;
    try { localStorage.setItem(key(), t); } catch (e) { /* private mode: no reconnect */ }
    show($("join"), false);
    show($("live"), true);
    connect();
  }

  // Live updates by server-sent events; EventSource reconnects by itself after a drop, and
  // a token the server no longer knows sends the student back to the join form.
  function connect() {
    if (events) events.close();
    events = new EventSource("/api/events?token=" + encodeURIComponent(token));
    events.addEventListener("state", (e) => render(JSON.parse(e.data)));
    events.onopen = () => { $("status").textContent = "connected"; };
    events.onerror = async () => {
      $("status").textContent = "reconnecting…";
      const r = await call("GET", "/api/state").catch(() => null);
      if (r && r.status === 401) {
        events.close();
        try { localStorage.removeItem(key()); } catch (e) { /* ignore */ }
        token = null;
        show($("live"), false);
        show($("join"), true);
        $("join-error").textContent = "The class does not know you any more: join again.";
      }
    };
  }

  function fmt(x) { return typeof x === "number" ? String(x) : (x == null ? "" : String(x)); }
  // A value with its unit: 3.5% but 12 $B.
  function unit(x, u) { return fmt(x) + (!u || x == null ? "" : (u === "%" ? "%" : " " + u)); }
  const PHASES = { playing: "playing", question: "question", reveal: "answer", ended: "lesson over" };

  // What a phone's keypad types: a comma for the decimal point in many languages (but 1,000
  // is a thousand), the typographic minus, a unit, spaces.
  function number(text) {
    let v = text.trim().replace(/[\s%$]/g, "").replace(/[−–]/g, "-").replace(/B$/i, "");
    if (v.indexOf(".") < 0 && /^[-+]?\d*,\d+$/.test(v) && !/^[-+]?[1-9]\d{0,2},\d{3}$/.test(v)) v = v.replace(",", ".");
    else v = v.replace(/,(?=\d{3}(\D|$))/g, "");
    return v === "" ? NaN : Number(v);
  }

  function render(s) {
    last = s;
    $("title").textContent = s.title || "tapedeck class";
    $("status").textContent = (s.name ? s.name + " · " : "") + s.students + " in the class";
    $("clock").textContent = s.clock || "--:--:--";
    $("phase").textContent = PHASES[s.phase] || s.phase || "";
    const q = $("quotes");
    q.replaceChildren();
    for (const x of s.quotes || []) {
      const li = document.createElement("li");
      const a = document.createElement("span"); a.textContent = x.symbol;
      const b = document.createElement("span"); b.textContent = x.last;
      const c = document.createElement("span"); c.textContent = x.change;
      c.className = /^[-−]/.test(x.change) ? "down" : (/^\+/.test(x.change) ? "up" : "");
      li.append(a, b, c);
      q.append(li);
    }
    $("score").textContent = s.score != null ? "your score: " + s.score : "";
    const asking = s.phase === "question" || s.phase === "reveal";
    show($("stop"), asking);
    if (!asking) { current = null; return; }
    if (current !== s.stop) { $("value").value = ""; $("answer-error").textContent = ""; }
    current = s.stop;
    $("stop-no").textContent = "stop " + s.stop;
    $("prompt").textContent = s.prompt || "";
    $("ask").textContent = s.ask || "";
    const open = s.phase === "question";
    show($("answer"), open && s.kind === "number");
    $("unit").textContent = s.unit || "";
    const ch = $("choices");
    ch.replaceChildren();
    if (s.kind === "choice" || s.kind === "direction") {
      for (const c of s.choices || []) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = c;
        const picked = fmt(s.yours) === c;
        if (picked) b.classList.add("picked");
        b.setAttribute("aria-pressed", picked ? "true" : "false");
        if (s.phase === "reveal" && fmt(s.answer) === c) b.classList.add("right");
        b.disabled = !open;
        b.addEventListener("click", () => send(c));
        ch.append(b);
      }
    }
    $("sent").textContent = s.phase === "reveal" && s.points != null ? ""
      : s.yours != null
      ? "your answer: " + unit(s.yours, s.unit) + (open ? " (you can change it until the reveal)" : "")
      : (open && s.kind !== "open" ? "" : (s.kind === "open" ? "discuss with the class" : "no answer sent"));
    show($("reveal"), s.phase === "reveal");
    if (s.phase === "reveal") {
      $("truth").textContent = s.answer != null ? "answer: " + unit(s.answer, s.unit) : "";
      let yours = "";
      if (s.points != null) yours = "you: " + unit(s.yours, s.unit) + (s.error != null ? " (off by " + fmt(s.error) + ")" : "") + " · " + s.points + (s.points === 1 ? " point" : " points");
      $("yours").textContent = yours;
      const sp = s.spread || {};
      const answers = (n) => n + (n === 1 ? " answer" : " answers");
      $("spread").textContent = sp.median != null
        ? "class: " + answers(sp.count) + ", median " + unit(sp.median, s.unit) + (sp.min !== sp.max ? ", from " + sp.min + " to " + sp.max : "")
        : (sp.counts ? "class: " + sp.choices.map((c, i) => c + " " + sp.counts[i]).join(", ") : "");
      $("reveal-text").textContent = s.reveal || "";
    }
  }

  async function send(value) {
    $("answer-error").textContent = "";
    $("sent").textContent = "sending…";
    const r = await call("POST", "/api/answer", { stop: current, value }).catch(() => null);
    if (!r) { $("sent").textContent = ""; $("answer-error").textContent = "cannot reach the class: check the Wi-Fi and send again"; }
    else if (r.status !== 200) { $("sent").textContent = ""; $("answer-error").textContent = r.data.error || ("error " + r.status); }
    // Taken: the class's update says so too, unless it is reconnecting.
    else if ($("sent").textContent === "sending…") $("sent").textContent = "your answer: " + unit(value, last.unit);
  }

  // The iPhone's decimal keypad has no minus key.
  $("sign").addEventListener("click", () => {
    const f = $("value"), v = f.value.trim();
    f.value = /^[-−]/.test(v) ? v.replace(/^[-−]\s*/, "") : "-" + v;
    f.focus();
  });

  $("answer").addEventListener("submit", (e) => {
    e.preventDefault();
    const n = number($("value").value);
    if (!Number.isFinite(n)) { $("answer-error").textContent = "type a number"; return; }
    send(n);
  });

  $("join").addEventListener("submit", async (e) => {
    e.preventDefault();
    code = $("code").value.trim().toUpperCase();
    const r = await call("POST", "/api/join", { code, name: $("name").value }).catch(() => null);
    if (!r) $("join-error").textContent = "cannot reach the class: check the Wi-Fi and try again";
    else if (r.status === 200) joined(r.data.token);
    else $("join-error").textContent = r.data.error || ("error " + r.status);
  });

  $("code").value = code;
  let saved = null;
  try { saved = code && localStorage.getItem(key()); } catch (e) { saved = null; }
  if (saved) joined(saved);
})();
