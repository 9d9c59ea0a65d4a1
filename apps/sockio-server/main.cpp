// sockio-server: the ready-to-run Socket.IO gateway.
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "config.hpp"
#include "gateway.hpp"

namespace {

/// One JSON object per line: {"time", "level", "msg"}.
class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto time = std::chrono::system_clock::to_time_t(msg.time);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&time, &utc);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    const nlohmann::json line{{"time", stamp},
                              {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                                    spdlog::level::to_string_view(msg.level).size())},
                              {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

void setup_logging(const sockio::gateway::config& c) {
  auto logger = spdlog::stdout_logger_mt("sockio");
  logger->set_level(spdlog::level::from_str(c.log_level));
  if (c.log_format == "json") {
    logger->set_formatter(std::make_unique<json_formatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  logger->flush_on(spdlog::level::trace);  // one line per event, visible at once
  spdlog::set_default_logger(logger);
}

/// The demo page and the browser bundle of socket.io-client from this source tree,
/// when present (a build run from its checkout).
sockio::gateway::config defaults() {
  sockio::gateway::config c;
  const std::filesystem::path source = SOCKIO_SOURCE_DIR;
  std::error_code ec;
  if (std::filesystem::is_directory(source / "web", ec)) c.static_dir = (source / "web").string();
  const auto bundle = source / "node_modules/socket.io-client/dist/socket.io.min.js";
  if (std::filesystem::is_regular_file(bundle, ec)) c.client_bundle = bundle.string();
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  auto loaded = sockio::gateway::load_config(argc, argv, defaults());
  if (!loaded.cfg) return loaded.exit_code;
  const auto& c = *loaded.cfg;
  setup_logging(c);

  // Signals are taken synchronously by this thread; the server's threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    sockio::gateway::gateway gw(c);
    if (auto ec = gw.listen()) {
      spdlog::critical("cannot listen on {}:{}: {}", c.host, c.port, ec.message());
      return 1;
    }
    gw.start();
    spdlog::info("sockio-server listening on port {} ({}://{}:{}/)", gw.port(), c.tls() ? "https" : "http",
                 c.host == "0.0.0.0" ? "localhost" : c.host, gw.port());
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    gw.shutdown();
    spdlog::info("stopped");
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
