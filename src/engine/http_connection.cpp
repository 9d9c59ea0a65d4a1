// The HTTP/1.1 connection: requests to the engine's path (long-polling, the WebSocket
// upgrade) and to the application's handler, kept alive between requests.
#include "detail/http_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "detail/detached_stream.hpp"
#include "detail/polling_transport.hpp"
#include "detail/request_check.hpp"
#include "detail/session_impl.hpp"
#include "detail/websocket_start.hpp"
#include "sockio/codec/url.hpp"

namespace sockio::engine::detail {
namespace {

namespace websocket = beast::websocket;

/// One accepted TCP connection speaking HTTP/1.1: long-polling requests (kept alive) or
/// the WebSocket handshake, after which a WebSocket transport takes the socket over
/// (websocket_start.hpp).
template <class Stream>
class http_connection final : public connection, public std::enable_shared_from_this<http_connection<Stream>> {
 public:
  using std::enable_shared_from_this<http_connection<Stream>>::shared_from_this;
  using std::enable_shared_from_this<http_connection<Stream>>::weak_from_this;

  http_connection(server_state& server, shard& home, Stream stream)
      : server_(server), home_(home), stream_(std::move(stream)), deadline_(stream_.get_executor()) {}
  ~http_connection() override { home_.remove_connection(*this); }

  void start() {
    home_.add_connection(*this);
    arm(server_.options.http_timeout);
    if constexpr (is_tls<Stream>) {
      stream_.async_handshake(net::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->close_socket();
        self->do_read_header();
      });
    } else {
      do_read_header();
    }
  }

  /// Idle connections close now; one with a request under way closes after its reply.
  void stop() override {
    if (!busy_) close_socket();
  }

  void abort() override {
    beast::error_code ignored;
    lowest(stream_).close(ignored);
  }

  std::shared_ptr<connection> lock() noexcept override { return this->weak_from_this().lock(); }

 private:
  /// What happens to the connection once a reply is written.
  enum class after_reply { keep_alive, close };

  void do_read_header() {
    parser_.emplace();
    parser_->header_limit(tuning::max_header_bytes);
    parser_->body_limit(boost::none);  // checked against the option once the header is in
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  /// Closes the connection if the current read is not done by then (slow or idle
  /// clients cannot hold connections open).
  void arm(std::chrono::milliseconds limit) {
    deadline_.expires_after(limit);
    deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->close_socket();
    });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      // As Node's HTTP server: answer 431, then close (the rest of the header is unread).
      busy_ = true;
      return write_reply(http_reply::text(431, "Request Header Fields Too Large"), after_reply::close);
    }
    if (ec) return close_socket();
    busy_ = true;
    arm(server_.options.http_timeout);  // the body, counted from the end of the header
    const auto& req = parser_->get();
    const auto path = codec::target_path(req.target());
    if (!is_engine_path(path)) {
      if (!server_.options.http_handler || websocket::is_upgrade(req)) {
        return write_reply(http_reply::text(404, "Not Found"), after_reply::close);
      }
      app_request_ = true;
    }
    if (websocket::is_upgrade(req)) return handle_upgrade();
    if (req.method() == http::verb::options && server_.options.cors.enabled() && !app_request_) {
      preflight_ = true;
      const bool has_body = parser_->content_length().value_or(0) > 0 || parser_->chunked();
      return write_reply(http_reply::empty(204), has_body ? after_reply::close : after_reply::keep_alive);
    }
    const auto limit = server_.options.max_http_buffer_size;
    if (auto length = parser_->content_length(); length && *length > limit) return too_large();
    parser_->body_limit(limit);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  /// The Engine.IO endpoint is `path` itself (with or without its trailing slash); other
  /// paths below it (e.g. a client bundle) belong to the application.
  bool is_engine_path(std::string_view path) const {
    const std::string_view own = server_.options.path;
    return path == own || path == own.substr(0, own.size() - 1);
  }

  void on_body(beast::error_code ec) {
    deadline_.cancel();  // what follows waits for the session (a parked GET), not the client
    if (ec == http::error::body_limit) return too_large();
    if (ec) return close_socket();
    if (app_request_) return handle_app_request();
    handle_polling();
  }

  /// Hands a request outside the Engine.IO path to the application's handler.
  void handle_app_request() {
    auto& req = parser_->get();
    server_.options.http_handler(make_request_info(req, lowest(stream_), is_tls<Stream>), std::move(req.body()),
                                 [reply = make_reply_fn()](http_response r) {
                                   reply(http_reply{r.status, "", std::move(r.body), std::move(r.headers)});
                                 });
  }

  void too_large() {
    // engine.io answers 413; we also close the session, whose data would be lost anyway.
    if (auto sid = codec::find_query(parser_->get().target(), "sid")) {
      if (const int j = server_.shard_of(*sid); j >= 0) {
        net::post(server_.shards[j]->context(), [&server = server_, j, sid = *sid] {
          if (auto s = server.shards[j]->find(sid)) s->on_payload_too_large();
        });
      }
    }
    write_reply(http_reply::text(413, "Payload Too Large"), after_reply::close);
  }

  void handle_polling() {
    auto& req = parser_->get();
    if (auto refused = check_request(server_, req, request_kind::polling, lowest(stream_), is_tls<Stream>)) {
      return write_reply(std::move(*refused));
    }
    auto sid = codec::find_query(req.target(), "sid");
    if (!sid) return open_session();
    if (req.method() == http::verb::get) return dispatch_poll(std::move(*sid));
    dispatch_post(std::move(*sid), std::move(req.body()));
  }

  /// A polling handshake: a new session on this shard, its open packet as the answer.
  void open_session() {
    auto s = session_impl::open_new(server_, home_, make_request_info(parser_->get(), lowest(stream_), is_tls<Stream>),
                                    nullptr);
    if (const auto& cookie = server_.options.cookie) {
      set_cookie_ = cookie->name + "=" + s->id() + "; Path=" + cookie->path;
      if (cookie->http_only) set_cookie_ += "; HttpOnly";
      if (!cookie->same_site.empty()) set_cookie_ += "; SameSite=" + cookie->same_site;
    }
    s->on_poll(server_.next_request_id++, make_reply_fn());
    server_.opened(s);
  }

  /// A polling GET: parked on its session (on the session's shard) until packets are due.
  void dispatch_poll(std::string sid) {
    const auto id = server_.next_request_id++;
    request_id_ = id;
    poll_shard_ = server_.shard_of(sid);  // checked by check_request()
    poll_sid_ = sid;
    watch_for_close(id);
    const bool handed_over = static_cast<unsigned>(poll_shard_) != home_.index();
    if (handed_over) server_.shards[poll_shard_]->poll_handover_begin(sid);
    on_session_shard(poll_shard_, std::move(sid),
                     [id, handed_over](shard& owner, const std::string& sid, reply_fn reply) {
                       if (handed_over) owner.poll_handover_end(sid);
                       if (auto s = owner.find(sid)) return s->on_poll(id, std::move(reply));
                       // Sent before its client's close packet but handed over after it: answered as the
                       // parked GET it was (engine.io: a noop).
                       if (owner.take_client_close(sid))
                         return reply(polling_transport::single_packet(packet_type::noop));
                       reply(error_reply(errc::unknown_sid));
                     });
  }

  /// A polling POST: its packets go to the session.
  void dispatch_post(std::string sid, std::string body) {
    const int j = server_.shard_of(sid);  // checked by check_request()
    on_session_shard(j, std::move(sid), [body = std::move(body)](shard& owner, const std::string& sid, reply_fn reply) {
      if (auto s = owner.find(sid)) return s->on_post(body, std::move(reply));
      reply(error_reply(errc::unknown_sid));
    });
  }

  /// Runs `task(owner, sid, reply)` on shard `j`, the one of session `sid`: at once when it
  /// is this one, else posted there.
  template <class Task>
  void on_session_shard(int j, std::string sid, Task task) {
    auto run = [&server = server_, j, sid = std::move(sid), task = std::move(task), reply = make_reply_fn()]() mutable {
      task(*server.shards[j], sid, std::move(reply));
    };
    if (static_cast<unsigned>(j) == home_.index()) return run();
    server_.cross_shard_requests.fetch_add(1, std::memory_order_relaxed);
    net::post(server_.shards[j]->context(), std::move(run));
  }

  /// While a GET is parked, notices the client going away (engine.io: "poll connection
  /// closed prematurely") so the session does not wait for the ping timeout.
  void watch_for_close(std::uint64_t id) {
    lowest(stream_).async_wait(tcp_socket::wait_read, [self = shared_from_this(), id](beast::error_code ec) {
      if (ec || self->request_id_ != id) return;
      beast::error_code e;
      if (lowest(self->stream_).available(e) > 0 && !e) return;  // pipelined data
      self->request_id_ = 0;
      net::post(self->server_.shards[self->poll_shard_]->context(),
                [&server = self->server_, j = self->poll_shard_, sid = self->poll_sid_, id] {
                  if (auto s = server.shards[j]->find(sid)) {
                    s->on_poll_aborted(id);
                  }
                });
      self->close_socket();
    });
  }

  reply_fn make_reply_fn() {
    return [self = shared_from_this()](http_reply r) {
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->write_reply(std::move(r)); });
    };
  }

  void write_reply(http_reply r, after_reply after = after_reply::keep_alive) {
    if (request_id_ != 0) {
      request_id_ = 0;
      beast::error_code ignored;
      lowest(stream_).cancel(ignored);  // ends watch_for_close
    }
    const auto& req = parser_->get();
    response_ = {};
    response_.version(11);
    response_.result(r.status);
    if (!r.content_type.empty()) response_.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) response_.set(name, value);
    if (!app_request_) apply_cors(server_.options.cors, req, response_, preflight_);
    if (!set_cookie_.empty()) response_.set(http::field::set_cookie, set_cookie_);
    response_.body() = std::move(r.body);
    response_.keep_alive(req.keep_alive() && after == after_reply::keep_alive);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    busy_ = false;
    if (ec || !response_.keep_alive() || server_.stopping) return close_socket();
    preflight_ = false;
    app_request_ = false;
    set_cookie_.clear();
    response_ = {};
    if (buffer_.size() == 0 && buffer_.capacity() > tuning::shrink_above) buffer_.shrink_to_fit();
    arm(server_.options.keep_alive_timeout);
    do_read_header();
  }

  void handle_upgrade() {
    deadline_.cancel();  // the WebSocket has timeouts of its own
    auto& req = parser_->get();
    if (auto refused = check_request(server_, req, request_kind::upgrade, lowest(stream_), is_tls<Stream>)) {
      return write_reply(std::move(*refused), after_reply::close);
    }
    auto sid = codec::find_query(req.target(), "sid");
    const int j = sid ? server_.shard_of(*sid) : static_cast<int>(home_.index());
    if (static_cast<unsigned>(j) == home_.index()) {
      return start_websocket(server_, home_, std::move(stream_), parser_->release(), std::move(sid));
    }
    // The session lives on another shard: move the socket there, so that the
    // WebSocket transport and its session share one thread.
    server_.cross_shard_requests.fetch_add(1, std::memory_order_relaxed);
    auto& target = *server_.shards[j];
    auto moved = detached_stream::release(stream_);
    if (!moved) return close_socket();
    net::post(target.context(), [&server = server_, &target, moved = std::move(*moved), sid = std::move(sid),
                                 req = parser_->release()]() mutable {
      std::optional<Stream> stream;
      if constexpr (is_tls<Stream>) {
        stream = moved.attach_tls(target.context());
      } else {
        stream = moved.attach(target.context());
      }
      if (stream) start_websocket(server, target, std::move(*stream), std::move(req), std::move(sid));
    });
  }

  /// Closes the socket now.
  void close_socket() {
    deadline_.cancel();
    shut_and_close(lowest(stream_));
  }

  server_state& server_;
  shard& home_;
  Stream stream_;
  net::steady_timer deadline_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::string set_cookie_;
  bool preflight_ = false;
  bool app_request_ = false;      // the request goes to options.http_handler
  bool busy_ = false;             // between a request's header and its response's end
  std::uint64_t request_id_ = 0;  // the parked GET, while one is
  int poll_shard_ = 0;
  std::string poll_sid_;
};

}  // namespace

void start_http_connection(server_state& server, shard& home, tcp_socket socket) {
  auto connection = std::make_shared<http_connection<tcp_socket>>(server, home, std::move(socket));
  net::post(home.context(), [connection] { connection->start(); });
}

void start_http_connection(server_state& server, shard& home, tls_stream stream) {
  auto connection = std::make_shared<http_connection<tls_stream>>(server, home, std::move(stream));
  net::post(home.context(), [connection] { connection->start(); });
}

}  // namespace sockio::engine::detail
