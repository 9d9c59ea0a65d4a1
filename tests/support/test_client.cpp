#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

namespace sockio::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

/// Runs one async operation on `ioc` to completion.
void run(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

/// Runs one async operation for at most `timeout`; past it, closes `socket` so that the
/// operation ends (Beast's WebSocket teardown ignores the tcp_stream timeout).
void run_for(net::io_context& ioc, tcp::socket& socket, std::chrono::milliseconds timeout) {
  ioc.restart();
  ioc.run_for(timeout);
  if (ioc.stopped()) return;
  beast::error_code ignored;
  socket.close(ignored);
  ioc.restart();
  ioc.run();
}

void connect(net::io_context& ioc, beast::tcp_stream& stream, std::uint16_t port) {
  beast::error_code ec;
  stream.expires_after(5s);
  stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code e) { ec = e; });
  run(ioc);
  if (ec) throw std::runtime_error("connect: " + ec.message());
}

http_response to_response(http::response<http::string_body>& res) {
  http_response out;
  out.status = res.result_int();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  out.body = std::move(res.body());
  out.keep_alive = res.keep_alive();
  return out;
}

}  // namespace

std::optional<std::string> http_response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

struct http_client::impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

http_client::http_client(std::uint16_t port) : impl_(std::make_unique<impl>()) {
  connect(impl_->ioc, impl_->stream, port);
}

http_client::~http_client() = default;

http_response http_client::request(std::string_view method, std::string_view target, std::string_view body,
                                   const header_list& headers, std::chrono::milliseconds timeout) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST") {
    req.body() = std::string(body);
    if (!req.count(http::field::content_type)) req.set(http::field::content_type, "text/plain;charset=UTF-8");
    req.prepare_payload();
  }
  beast::error_code ec;
  impl_->stream.expires_after(timeout);
  http::async_write(impl_->stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
  run(impl_->ioc);
  if (ec) throw std::runtime_error("http write: " + ec.message());
  http::response<http::string_body> res;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  impl_->stream.expires_after(timeout);
  http::async_read(impl_->stream, impl_->buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  run(impl_->ioc);
  if (ec) throw std::runtime_error("http read: " + ec.message());
  res = parser.release();
  return to_response(res);
}

bool http_client::wait_closed(std::chrono::milliseconds timeout) {
  beast::error_code ec;
  char byte;
  impl_->stream.expires_after(timeout);
  impl_->stream.async_read_some(net::buffer(&byte, 1), [&](beast::error_code e, std::size_t) { ec = e; });
  run(impl_->ioc);
  return ec && ec != beast::error::timeout;
}

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  std::string extensions;
};

ws_client::ws_client(std::uint16_t port, std::string_view target, bool deflate) : impl_(std::make_unique<impl>()) {
  connect(impl_->ioc, beast::get_lowest_layer(impl_->ws), port);
  beast::error_code ec;
  impl_->ws.read_message_max(64u << 20);
  if (deflate) {
    websocket::permessage_deflate pmd;
    pmd.client_enable = true;
    impl_->ws.set_option(pmd);
  }
  websocket::response_type res;
  beast::get_lowest_layer(impl_->ws).expires_after(5s);
  impl_->ws.async_handshake(res, "127.0.0.1", target, [&](beast::error_code e) { ec = e; });
  run(impl_->ioc);
  if (ec) throw std::runtime_error("ws handshake: " + ec.message());
  impl_->extensions = std::string(res[http::field::sec_websocket_extensions]);
}

const std::string& ws_client::extensions() const {
  return impl_->extensions;
}

ws_client::~ws_client() = default;

void ws_client::send_text(std::string_view text) {
  beast::error_code ec;
  impl_->ws.text(true);
  beast::get_lowest_layer(impl_->ws).expires_after(5s);
  impl_->ws.async_write(net::buffer(text), [&](beast::error_code e, std::size_t) { ec = e; });
  run(impl_->ioc);
  if (ec) throw std::runtime_error("ws write: " + ec.message());
}

void ws_client::send_binary(std::string_view bytes) {
  beast::error_code ec;
  impl_->ws.binary(true);
  beast::get_lowest_layer(impl_->ws).expires_after(5s);
  impl_->ws.async_write(net::buffer(bytes), [&](beast::error_code e, std::size_t) { ec = e; });
  run(impl_->ioc);
  if (ec) throw std::runtime_error("ws write: " + ec.message());
}

std::optional<ws_client::message> ws_client::read(std::chrono::milliseconds timeout) {
  beast::error_code ec;
  impl_->buffer.clear();
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) { ec = e; });
  run_for(impl_->ioc, beast::get_lowest_layer(impl_->ws).socket(), timeout);
  if (ec) return std::nullopt;
  return message{beast::buffers_to_string(impl_->buffer.data()), impl_->ws.got_binary()};
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    beast::error_code ec;
    bool done = false;
    impl_->buffer.clear();
    impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    run_for(impl_->ioc, beast::get_lowest_layer(impl_->ws).socket(), left);
    if (!done || ec == net::error::operation_aborted) return false;
    if (ec) return true;
  }
}

void ws_client::close() {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).expires_after(5s);
  impl_->ws.async_close(websocket::close_code::normal, [&](beast::error_code e) { ec = e; });
  run(impl_->ioc);
}

http_response ws_client::try_handshake(std::uint16_t port, std::string_view target) {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  connect(ioc, beast::get_lowest_layer(ws), port);
  websocket::response_type res;
  beast::error_code ec;
  beast::get_lowest_layer(ws).expires_after(5s);
  ws.async_handshake(res, "127.0.0.1", target, [&](beast::error_code e) { ec = e; });
  run(ioc);
  if (ec && res.result_int() == 0) throw std::runtime_error("ws handshake: " + ec.message());
  return to_response(res);
}

std::vector<std::string> split_payload(std::string_view payload) {
  std::vector<std::string> out;
  while (true) {
    const auto end = payload.find('\x1e');
    out.emplace_back(payload.substr(0, end));
    if (end == std::string_view::npos) return out;
    payload.remove_prefix(end + 1);
  }
}

std::string sid_of(std::string_view open_packet) {
  const std::string_view key = "\"sid\":\"";
  const auto at = open_packet.find(key);
  if (at == std::string_view::npos) return {};
  const auto start = at + key.size();
  return std::string(open_packet.substr(start, open_packet.find('"', start) - start));
}

}  // namespace sockio::test
