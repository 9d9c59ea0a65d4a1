// The bridge from one Engine.IO session to its namespace sockets.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server_core.hpp"
#include "sockio/adapter/local_sockets.hpp"

namespace sockio::sio::detail {

using sio::frames;
using sio::make_frames;

/// Bridges one Engine.IO session to its namespace sockets (socket.io's client.ts).
class client final : public engine::session_handler, public io::list_hook, public std::enable_shared_from_this<client> {
 public:
  client(server_core& core, std::shared_ptr<engine::session> session);
  /// Leaves its shard's registry if `on_close` has not (a client dies on its shard).
  ~client() override;

  void start();
  void on_message(engine::session& s, std::string_view data, bool binary) override;
  void on_close(engine::session& s, std::string_view reason) override;

  /// Sends an encoded packet; a volatile one is dropped when the transport is busy.
  void send(const frames& f, bool volatile_ = false);
  void send_packet(const packet& p) { send(make_frames(p)); }
  void add_socket(const std::shared_ptr<socket>& s);
  /// A CONNECT to `nsp` was refused (middleware error).
  void connect_refused(const std::string& nsp);
  void remove_socket(const std::string& nsp);
  /// Closes the Engine.IO session.
  void close();
  /// Server shutdown: every socket disconnects with "server shutting down".
  void shutdown();
  /// `socket.disconnect(true)`: every socket of this client disconnects, then the
  /// connection closes.
  void disconnect_all();

  engine::session& session() noexcept { return *session_; }
  unsigned shard() const noexcept { return session_->shard(); }
  bool open() const noexcept { return open_; }

 private:
  void on_packet(packet p);
  void on_connect(const std::string& nsp, json auth);
  void close_sockets(std::string_view reason);
  std::vector<std::shared_ptr<socket>>::iterator find_socket(std::string_view nsp);
  /// The CONNECT of `nsp` was handled (joined or refused): no longer pending.
  void end_connecting(const std::string& nsp);

  server_core& core_;
  std::shared_ptr<engine::session> session_;
  sio::decoder decoder_;
  // Its sockets, one per namespace joined: a flat list (most clients join one or two).
  std::vector<std::shared_ptr<socket>> sockets_;
  std::unique_ptr<std::vector<std::string>> connecting_;      // namespaces whose CONNECT is being handled, while any
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;  // until the first namespace joins
  bool open_ = true;
};

}  // namespace sockio::sio::detail
