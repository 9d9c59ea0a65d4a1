// The awaitable form of an acknowledgement (emit_with_ack returning a future).
#include "detail/core.hpp"

namespace sockio::sio {
namespace detail {

std::pair<ack_callback, std::future<json>> future_ack() {
  auto promise = std::make_shared<std::promise<json>>();
  auto future = promise->get_future();
  ack_callback callback = [promise](std::error_code ec, json args) {
    if (ec) {
      promise->set_exception(std::make_exception_ptr(std::system_error(ec)));
    } else {
      promise->set_value(std::move(args));
    }
  };
  return {std::move(callback), std::move(future)};
}

}  // namespace detail
}  // namespace sockio::sio
