#include "cli_options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <limits>

#include "json_lines.hpp"

namespace sockio::cli {

namespace {

constexpr const char* footer = R"(Commands (--execute, repeatable; or one per line on stdin):
  emit EVENT [JSON_ARRAY]  emit EVENT with the array's items as arguments (none: no arguments)
  call EVENT [JSON_ARRAY]  emit with an ack; print the ack line, or an error line on timeout
  wait EVENT [MS]          block until EVENT arrives (after the previous command finished)
  sleep MS                 pause for MS milliseconds
  disconnect               leave the namespace; the run ends once the remaining commands ran
Output: one JSON object per line on stdout, "type" first: connect, event, ack,
connect_error, disconnect, reconnect, error. Binary values read and write as
{"_binary":"<base64>"}.

Exit status:
  0  the commands ran (and --count events were printed)
  1  connect_error, a failed call, or the connection lost for good
  2  bad usage: an option, the URL, --auth, --header, --query or a command
  3  --timeout or a wait ran out)";

/// The raw text of the options before they are checked and converted.
struct raw_options {
  std::string url, nsp, path, transports, auth, ca;
  std::vector<std::string> query, headers, listen, execute;
  bool insecure = false, no_upgrade = false, no_reconnect = false, verbose = false;
  // Numbers are read here, not by CLI11, for one message shape (and no "-1" wrapping).
  std::string ack_timeout, timeout, retries, count;
};

constexpr std::uint64_t max_ms = 365ULL * 24 * 3600 * 1000;  // a year

/// `text` as a whole number from 0 to `max`; nullopt otherwise.
std::optional<std::uint64_t> parse_number(const std::string& text, std::uint64_t max) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n > max) return std::nullopt;
  return n;
}

/// Bad usage: an error line on stdout for scripts, a hint on stderr for people.
parse_result usage_error(const std::string& message) {
  std::cout << lines::dump(lines::error(message)) << '\n' << std::flush;
  std::cerr << "sockio-cli: " << message << " (see --help)\n";
  return {std::nullopt, 2};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Splits "K<sep>V"; nullopt without the separator or with an empty key.
std::optional<std::pair<std::string, std::string>> split_pair(std::string_view text, char sep) {
  const auto at = text.find(sep);
  if (at == std::string_view::npos) return std::nullopt;
  const auto key = trim(text.substr(0, at));
  if (key.empty()) return std::nullopt;
  return std::pair{std::string(key), std::string(trim(text.substr(at + 1)))};
}

void add_options(CLI::App& app, raw_options& r) {
  app.add_option("url", r.url, "server URL: http(s)://host[:port][/namespace][?query]")->type_name("URL")->required();
  app.add_option("--namespace", r.nsp, "namespace to join (default: the URL's path, or /)")->type_name("NSP");
  app.add_option("--path", r.path, "Socket.IO HTTP path (default: /socket.io)")->type_name("PATH");
  app.add_option("--transports", r.transports, "transports to use in order (default: polling,websocket)")
      ->type_name("LIST");
  app.add_flag("--no-upgrade", r.no_upgrade, "stay on the first transport");
  app.add_option("--auth", r.auth, "CONNECT payload, a JSON object")->type_name("JSON");
  app.add_option("--query", r.query, "query parameter of every request (repeatable)")
      ->type_name("K=V")
      ->allow_extra_args(false);
  app.add_option("--header", r.headers, "HTTP header of every request (repeatable)")
      ->type_name("\"K: V\"")
      ->allow_extra_args(false);
  app.add_option("--ca", r.ca, "PEM file of the authorities to trust (https, wss)")->type_name("FILE");
  app.add_flag("--insecure", r.insecure, "skip TLS certificate and host-name checks");
  app.add_option("--ack-timeout", r.ack_timeout, "how long a call waits for its ack (default: no limit)")
      ->type_name("MS");
  app.add_option("--retries", r.retries, "send each emit until acked, at most N+1 times")->type_name("N");
  app.add_flag("--no-reconnect", r.no_reconnect, "do not reconnect after a failure or a drop");
  app.add_option("--timeout", r.timeout, "deadline of the whole run; exit 3 past it")->type_name("MS");
  app.add_option("--count", r.count, "end once N event lines were printed (and the commands ran)")->type_name("N");
  app.add_option("--listen", r.listen, "print only this event (repeatable; wait sees all events)")
      ->type_name("EVENT")
      ->allow_extra_args(false);
  app.add_flag("--verbose", r.verbose, "Engine.IO packets on stderr, '<' in and '>' out");
  app.add_option("-e,--execute", r.execute, "a command, run once connected (repeatable; default: stdin)")
      ->type_name("COMMAND")
      ->allow_extra_args(false);
}

/// Reads the numeric options that were given; an error message or "".
std::string convert_numbers(const CLI::App& app, const raw_options& r, cli_options& out) {
  struct numeric {
    const char* flag;
    const std::string& text;
    std::uint64_t max;
    const char* expected;
  };
  const numeric all[] = {
      {"--ack-timeout", r.ack_timeout, max_ms, "milliseconds"},
      {"--timeout", r.timeout, max_ms, "milliseconds"},
      {"--retries", r.retries, std::numeric_limits<unsigned>::max(), "a count"},
      {"--count", r.count, std::numeric_limits<std::uint64_t>::max(), "a count"},
  };
  std::uint64_t values[std::size(all)] = {};
  for (std::size_t i = 0; i < std::size(all); ++i) {
    if (app.count(all[i].flag) == 0) continue;
    const auto n = parse_number(all[i].text, all[i].max);
    if (!n) {
      return std::string(all[i].flag) + ": expected " + all[i].expected + " from 0 to " + std::to_string(all[i].max) +
             " (got \"" + all[i].text + "\")";
    }
    values[i] = *n;
  }
  if (app.count("--ack-timeout")) out.socket.ack_timeout = std::chrono::milliseconds(values[0]);
  if (app.count("--timeout")) out.timeout = std::chrono::milliseconds(values[1]);
  if (app.count("--retries")) out.socket.retries = static_cast<unsigned>(values[2]);
  if (app.count("--count")) out.count = values[3];
  return {};
}

/// Converts the options that are not plain copies; an error message or "".
std::string convert(const raw_options& r, cli_options& out) {
  if (!r.transports.empty()) {
    out.manager.transports.clear();
    std::string_view rest = r.transports;
    for (;;) {
      const auto comma = rest.find(',');
      const std::string t(trim(rest.substr(0, comma)));
      if (t != "polling" && t != "websocket") return "--transports: unknown transport \"" + t + "\"";
      out.manager.transports.push_back(t);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (!r.auth.empty()) {
    auto auth = json::parse(r.auth, nullptr, false);
    if (!auth.is_object()) return "--auth: expected a JSON object, got " + r.auth;
    if (auto bad = text_to_binary(auth)) return "--auth: " + *bad;
    out.socket.auth = std::move(auth);
  }
  for (const auto& q : r.query) {
    auto kv = split_pair(q, '=');
    if (!kv) return "--query: expected K=V, got \"" + q + "\"";
    out.manager.query.push_back(std::move(*kv));
  }
  for (const auto& h : r.headers) {
    auto kv = split_pair(h, ':');
    if (!kv) return "--header: expected \"K: V\", got \"" + h + "\"";
    out.manager.extra_headers.push_back(std::move(*kv));
  }
  if (!r.execute.empty()) out.commands.emplace();
  for (const auto& text : r.execute) {
    auto parsed = parse_command(text);
    if (parsed.failed()) return "--execute \"" + text + "\": " + parsed.error;
    if (parsed.cmd) out.commands->push_back(std::move(*parsed.cmd));
  }
  return {};
}

}  // namespace

parse_result parse_command_line(int argc, char** argv) {
  CLI::App app{"sockio-cli: a command-line Socket.IO client, for people and scripts", "sockio-cli"};
  app.footer(footer);
  raw_options r;
  add_options(app, r);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help arrives as an "error" with status 0.
    if (e.get_exit_code() == 0) return {std::nullopt, app.exit(e)};
    return usage_error(e.what());
  }

  cli_options out;
  out.url = r.url;
  out.nsp = r.nsp;
  if (!r.path.empty()) out.manager.path = r.path;
  out.manager.upgrade = !r.no_upgrade;
  out.manager.reconnection = !r.no_reconnect;
  out.manager.tls.ca_file = r.ca;
  out.manager.tls.insecure = r.insecure;
  // The session connects once its listeners are in place.
  out.manager.auto_connect = false;
  out.listen = r.listen;
  out.verbose = r.verbose;
  if (auto error = convert_numbers(app, r, out); !error.empty()) return usage_error(error);
  if (auto error = convert(r, out); !error.empty()) return usage_error(error);
  return {std::move(out), 0};
}

}  // namespace sockio::cli
