#include "stdin_reader.hpp"

#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

namespace sockio::cli {

void stdin_reader::start(std::shared_ptr<shared_state> state) {
  std::thread([state = std::move(state)] {
    stdin_reader reader;
    for (;;) {
      state->wait_for_request();
      auto text = reader.next_line();
      const bool more = text.has_value();
      state->line_read(std::move(text));
      if (!more) return;
    }
  }).detach();
}

std::optional<std::string> stdin_reader::next_line() {
  for (;;) {
    if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string text = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return text;
    }
    if (eof_) {
      // A last line without a newline still counts.
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, {});
    }
    // Raw read(2), not std::cin: this thread may still block here while the program exits.
    char chunk[4096];
    const auto n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace sockio::cli
