// sio::errc: the errors given to ack callbacks.
#include "sockio/sio/types.hpp"

namespace sockio::sio {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sockio.sio"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok: return "success";
      case errc::timeout: return "operation has timed out";
      case errc::disconnected: return "socket has been disconnected";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sockio::sio
