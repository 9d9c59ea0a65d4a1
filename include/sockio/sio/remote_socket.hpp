// A socket found by fetch_sockets, on any shard (or, with a cluster adapter, any node).
#pragma once

#include <set>
#include <string>

#include "sockio/sio/types.hpp"

namespace sockio::sio {

class namespace_;

/// A socket found by `fetch_sockets`, possibly on another shard (or node). Its
/// operations are carried out where the socket lives.
struct remote_socket {
  std::string id;
  sio::handshake handshake;
  std::set<room> rooms;
  json data;

  template <class... Args>
  void emit(std::string_view event, Args&&... args) const {
    emit_args(event, json::array({json(std::forward<Args>(args))...}));
  }
  void emit_args(std::string_view event, json args) const;
  void join(const room& r) const;
  void leave(const room& r) const;
  void disconnect(bool close = false) const;

  namespace_* nsp = nullptr;
  unsigned shard = 0;   ///< where it lives, when on this node
  bool remote = false;  ///< on another node: its operations go through the adapter
};

}  // namespace sockio::sio
