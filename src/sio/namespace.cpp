// The public namespace: handlers, middlewares, broadcasts, cluster utilities.
#include "detail/core.hpp"

namespace sockio::sio {

namespace_::namespace_(detail::server_core& core, std::string name)
    : state_(std::make_unique<detail::namespace_state>(*this, core, std::move(name))) {
  state_->adapter = core.options.adapter ? core.options.adapter(*this) : std::make_unique<in_memory_adapter>(*this);
}

namespace_::~namespace_() = default;

const std::string& namespace_::name() const noexcept {
  return state_->name;
}
void namespace_::on_connection(connection_handler handler) {
  state_->connection_handlers.push_back(std::move(handler));
}
void namespace_::use(middleware m) {
  state_->middlewares.push_back(std::move(m));
}
void namespace_::on_room_event(room_event_handler handler) {
  state_->room_handlers.push_back(std::move(handler));
}

void namespace_::server_side_emit(std::string_view event, json args, ack_callback ack) {
  json data = event_data(event, std::move(args));
  state_->adapter->server_side_emit(std::move(data), std::move(ack));
}

void namespace_::on_server_side_emit(const std::string& event, event_handler handler) {
  state_->server_side_handlers[event] = std::move(handler);
}

std::vector<std::shared_ptr<socket>> namespace_::local_sockets() const {
  std::vector<std::shared_ptr<socket>> out;
  const int shard = state_->core.current_shard();
  if (shard < 0) return out;
  for (const auto& [id, s] : state_->sockets[shard]) out.push_back(s);
  return out;
}

sio::adapter& namespace_::adapter() noexcept {
  return *state_->adapter;
}

void namespace_::all_rooms(std::function<void(std::error_code, std::set<room>)> callback) {
  state_->adapter->all_rooms(std::move(callback));
}

void namespace_::server_count(std::function<void(std::size_t)> callback) {
  state_->adapter->server_count(std::move(callback));
}

}  // namespace sockio::sio
