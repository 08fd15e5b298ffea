//! A debugger on a hotnode app: `hotnode --inspect` opens node's inspector, and a client of
//! the Chrome DevTools Protocol (this test, doing what VS Code and Chrome DevTools do) sets a
//! breakpoint at a TypeScript line through the source map of the module's script, before and
//! after a hot update of that module.

mod support;

use std::collections::VecDeque;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use support::{TempApp, free_port, hotnode_with_env, http_get};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// A minimal CDP client: calls wait for their reply; events are queued until asked for.
struct Inspector {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    events: VecDeque<Value>,
}

impl Inspector {
    fn connect(url: &str) -> Self {
        let (socket, _) = tungstenite::connect(url).unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        if let MaybeTlsStream::Plain(tcp) = socket.get_ref() {
            tcp.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        }
        Self { socket, next_id: 1, events: VecDeque::new() }
    }

    /// The next message within the deadline, or `None` when the time is up.
    fn read(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            match self.socket.read() {
                Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    if Instant::now() >= deadline {
                        return None;
                    }
                }
                Err(e) => panic!("inspector connection: {e}"),
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket.send(Message::text(request)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let message = self.read(deadline).unwrap_or_else(|| panic!("no reply to {method}"));
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            self.events.push_back(message);
        }
    }

    /// The first event (queued or still to come) named `method` that `accept` takes.
    fn event(&mut self, method: &str, mut accept: impl FnMut(&Value) -> bool) -> Value {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method && accept(&e["params"])) {
            return self.events.remove(at).unwrap()["params"].clone();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let message = self.read(deadline).unwrap_or_else(|| panic!("no {method} event"));
            if message["method"] == method && accept(&message["params"]) {
                return message["params"].clone();
            }
            self.events.push_back(message);
        }
    }
}

/// Where a line of the original source starts in the generated script (0-based line and
/// column), read from the script's inline source map, as a debugger maps a breakpoint.
fn generated_position(script: &Value, source_line: u32) -> (u32, u32) {
    let url = script["sourceMapURL"].as_str().expect("the script has a source map");
    let encoded = url.split_once("base64,").expect("an inline data: URL").1;
    let json = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()).unwrap();
    let map = oxc_sourcemap::SourceMap::from_json_string(&json).unwrap();
    map.get_tokens()
        .filter(|t| t.get_src_line() == source_line)
        .map(|t| (t.get_dst_line(), t.get_dst_col()))
        .min()
        .unwrap_or_else(|| panic!("no mapping for source line {source_line} in {json}"))
}

/// The (0-based) line of `needle` in `source`.
fn line_of(source: &str, needle: &str) -> u32 {
    source.lines().position(|l| l.contains(needle)).expect("the line is in the source") as u32
}

const MAIN: &str = r#"import http from "node:http";
import { handle } from "./routes.js";

const server = http.createServer((req, res) => res.end(handle(req.url ?? "/")));
server.listen(Number(process.env.PORT), () => console.log("OUT listening"));
import.meta.hot?.accept("./routes.js");
"#;

const ROUTES: &str = r#"interface Reply {
  text: string;
  path: string;
}

export function handle(path: string): string {
  const greeting: string = "hello";
  const reply: Reply = { text: `${greeting} from ${path}`, path };
  return reply.text + "\n";
}
"#;

/// Sets a breakpoint at `line` of routes.ts in `script`, makes a request, and checks the app
/// paused there with the TypeScript's locals; returns the body once resumed.
fn pause_at(inspector: &mut Inspector, script: &Value, line: u32, port: u16, greeting: &str) -> String {
    let (gen_line, gen_column) = generated_position(script, line);
    let script_id = script["scriptId"].clone();
    // The map agrees with the script V8 runs (the function wrapper's lines included): the
    // generated line holds the TypeScript line's statement, without its type.
    let source = inspector.call("Debugger.getScriptSource", json!({ "scriptId": script_id }));
    let generated = source["scriptSource"].as_str().unwrap().lines().nth(gen_line as usize).unwrap_or_default();
    assert!(generated[gen_column as usize..].trim_start().starts_with("const reply = {"), "{generated:?}");
    let breakpoint = inspector.call(
        "Debugger.setBreakpoint",
        json!({ "location": { "scriptId": script_id, "lineNumber": gen_line, "columnNumber": gen_column } }),
    );
    let breakpoint_id = breakpoint["breakpointId"].clone();

    let request = std::thread::spawn(move || http_get(port, "/users"));
    let paused = inspector.event("Debugger.paused", |_| true);
    let frame = &paused["callFrames"][0];
    assert_eq!(frame["location"]["scriptId"], script_id, "paused in routes.ts's script: {paused}");
    assert_eq!(frame["location"]["lineNumber"], gen_line, "{paused}");
    assert!(paused["hitBreakpoints"].as_array().unwrap().contains(&breakpoint_id), "{paused}");
    let value = inspector.call(
        "Debugger.evaluateOnCallFrame",
        json!({ "callFrameId": frame["callFrameId"], "expression": "greeting + ' ' + path" }),
    );
    assert_eq!(value["result"]["value"], format!("{greeting} /users"), "the locals of the TypeScript function");
    inspector.call("Debugger.removeBreakpoint", json!({ "breakpointId": breakpoint_id }));
    inspector.call("Debugger.resume", json!({}));
    request.join().unwrap().expect("the paused request completes after resume")
}

#[test]
fn a_breakpoint_at_a_typescript_line_pauses_there_before_and_after_a_hot_update() {
    let app = TempApp::new(
        "debugger",
        &[("package.json", r#"{ "type": "module" }"#), ("main.ts", MAIN), ("routes.ts", ROUTES)],
    );
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["--inspect=127.0.0.1:0", "main.ts"], &[("PORT", &port.to_string())]);
    let banner = run.expect("Debugger listening on ws://");
    let url = banner.split_whitespace().find(|w| w.starts_with("ws://")).unwrap().to_string();
    run.expect("OUT listening");

    let mut inspector = Inspector::connect(&url);
    inspector.call("Debugger.enable", json!({}));
    let routes_url = format!("/{}", "routes.ts");
    let is_routes = |p: &Value| p["url"].as_str().is_some_and(|u| u.ends_with(&routes_url));
    let script = inspector.event("Debugger.scriptParsed", is_routes);
    let line = line_of(ROUTES, "const reply: Reply");
    assert_eq!(http_get(port, "/x").unwrap(), "hello from /x\n");
    assert_eq!(pause_at(&mut inspector, &script, line, port, "hello"), "hello from /users\n");

    // A hot update: the statement moves down three lines; the new version is a new script
    // with its own map, where a debugger sets the breakpoint again.
    let edited = format!("// edited\n// while\n// debugging\n{}", ROUTES.replace("\"hello\"", "\"hi\""));
    app.write("routes.ts", &edited);
    run.expect("routes.ts changed");
    let new_script = inspector.event("Debugger.scriptParsed", |p| is_routes(p) && p["scriptId"] != script["scriptId"]);
    let new_line = line_of(&edited, "const reply: Reply");
    assert_eq!(new_line, line + 3);
    assert_eq!(pause_at(&mut inspector, &new_script, new_line, port, "hi"), "hi from /users\n");
}
