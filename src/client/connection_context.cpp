#include "detail/connection_context.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

#include "sockio/codec/random_id.hpp"

namespace sockio::client::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

connection_context::connection_context(asio::any_io_executor ex, const std::string& u, options o)
    : executor(std::move(ex)), opts(std::move(o)) {
  auto parsed = parse_client_url(u);
  if (!parsed) throw std::invalid_argument("invalid Socket.IO URL \"" + u + "\": expected http(s)://host[:port][/nsp]");
  url = std::move(*parsed);
  if (!opts.proxy.empty()) {
    proxy = parse_client_url(opts.proxy);
    if (!proxy || proxy->secure)
      throw std::invalid_argument("invalid proxy \"" + opts.proxy + "\": expected http://host:port");
  }
  if (!opts.path.empty() && opts.path.front() != '/') opts.path.insert(opts.path.begin(), '/');
  const bool usable = std::any_of(opts.transports.begin(), opts.transports.end(),
                                  [](const std::string& t) { return t == "polling" || t == "websocket"; });
  if (!usable) throw std::invalid_argument("transports: none of them is \"polling\" or \"websocket\"");
  if (!opts.path.ends_with('/')) opts.path += '/';
  if (url.secure) {
    tls.emplace(asio::ssl::context::tls_client);
    auto& c = *tls;
    c.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (opts.tls.insecure) {
      c.set_verify_mode(asio::ssl::verify_none);
    } else {
      c.set_verify_mode(asio::ssl::verify_peer);
      if (!opts.tls.ca_file.empty()) {
        c.load_verify_file(opts.tls.ca_file, ec);
        if (ec) throw std::invalid_argument("tls.ca_file \"" + opts.tls.ca_file + "\": " + ec.message());
      } else {
        c.set_default_verify_paths(ec);
        if (ec) throw std::invalid_argument("the system's certificate authorities: " + ec.message());
      }
    }
    if (!opts.tls.cert_file.empty()) {
      c.use_certificate_chain_file(opts.tls.cert_file, ec);
      if (ec) throw std::invalid_argument("tls.cert_file \"" + opts.tls.cert_file + "\": " + ec.message());
      c.use_private_key_file(opts.tls.key_file.empty() ? opts.tls.cert_file : opts.tls.key_file,
                             asio::ssl::context::pem, ec);
      if (ec) throw std::invalid_argument("tls.key_file \"" + opts.tls.key_file + "\": " + ec.message());
    }
  }
}

std::string connection_context::target(std::string_view transport, std::string_view sid) const {
  std::vector<codec::query_param> q = url.query;
  q.insert(q.end(), opts.query.begin(), opts.query.end());
  q.emplace_back("EIO", "4");
  q.emplace_back("transport", std::string(transport));
  // Cache busting, as the JS client stamps its polling requests.
  if (transport == "polling") q.emplace_back("t", codec::random_id(8));
  if (!sid.empty()) q.emplace_back("sid", std::string(sid));
  return opts.path + "?" + codec::build_query(q);
}

std::string connection_context::common_headers() const {
  std::string h = "Host: " + url.host_header() + "\r\n";
  for (const auto& [name, value] : opts.extra_headers) h += name + ": " + value + "\r\n";
  if (opts.with_credentials) {
    if (auto c = cookies.header(); !c.empty()) h += "Cookie: " + c + "\r\n";
  }
  return h;
}

void connection_context::take_cookie(std::string_view set_cookie) {
  if (opts.with_credentials) cookies.set(set_cookie);
}

namespace {

/// One stream being opened; kept alive by its pending operation.
class opener : public std::enable_shared_from_this<opener> {
 public:
  opener(std::shared_ptr<connection_context> ctx, stream_handler done)
      : ctx_(std::move(ctx)),
        done_(std::move(done)),
        resolver_(ctx_->executor),
        socket_(ctx_->executor),
        deadline_(ctx_->executor) {}

  void start() {
    // A peer that accepts and then says nothing (a silent TLS server or proxy) must not
    // hold a socket for ever: the whole opening has the manager's timeout.
    const auto limit = ctx_->opts.timeout.count() > 0 ? ctx_->opts.timeout : std::chrono::milliseconds(20000);
    deadline_.expires_after(limit);
    deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      boost::system::error_code ignored;
      self->resolver_.cancel();
      self->socket_.close(ignored);
      if (self->tls_stream_) self->tls_stream_->close();
    });
    const auto& hop = ctx_->proxy ? *ctx_->proxy : ctx_->url;
    // An address needs no resolver (Asio's runs a thread of its own).
    boost::system::error_code not_an_address;
    const auto address = asio::ip::make_address(hop.host, not_an_address);
    if (!not_an_address) {
      return do_connect(
          tcp::resolver::results_type::create(tcp::endpoint(address, hop.port), hop.host, std::to_string(hop.port)));
    }
    resolver_.async_resolve(hop.host, std::to_string(hop.port),
                            [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
                              if (ec) return self->fail(ec, "resolve");
                              self->do_connect(r);
                            });
  }

 private:
  void do_connect(const tcp::resolver::results_type& endpoints) {
    asio::async_connect(socket_, endpoints,
                        [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint&) {
                          if (ec) return self->fail(ec, "connect");
                          self->socket_.set_option(tcp::no_delay(true), ec);
                          if (self->ctx_->proxy) return self->do_proxy_connect();
                          self->after_tcp();
                        });
  }

  void do_proxy_connect() {
    const auto& host = ctx_->url.host;
    const auto authority =
        (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(ctx_->url.port);
    buffer_ = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
    asio::async_write(
        socket_, asio::buffer(buffer_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (ec) return self->fail(ec, "proxy");
          self->buffer_.clear();
          asio::async_read_until(self->socket_, asio::dynamic_buffer(self->buffer_, 16384), "\r\n\r\n",
                                 [self](boost::system::error_code ec, std::size_t size) {
                                   if (ec) return self->fail(ec, "proxy");
                                   const auto status = self->buffer_.substr(0, self->buffer_.find('\r'));
                                   // "HTTP/1.1 200 Connection established"
                                   if (status.size() < 12 || status.compare(9, 3, "200") != 0) {
                                     return self->fail(make_error_code(std::errc::connection_refused),
                                                       "proxy answered \"" + status + "\"");
                                   }
                                   if (size != self->buffer_.size()) {
                                     return self->fail(make_error_code(std::errc::protocol_error), "proxy");
                                   }
                                   self->after_tcp();
                                 });
        });
  }

  void after_tcp() {
    if (!ctx_->url.secure) {
      return finish({}, "", std::make_shared<client_stream>(std::move(socket_)));
    }
    auto stream = std::make_shared<client_stream>(client_stream::tls(std::move(socket_), *ctx_->tls));
    tls_stream_ = stream;
    auto* tls = stream->as_tls();
    const auto& host = ctx_->url.host;
    // SNI, except for IP addresses (RFC 6066 forbids them there).
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    if (ec) SSL_set_tlsext_host_name(tls->native_handle(), host.c_str());
    if (!ctx_->opts.tls.insecure) tls->set_verify_callback(asio::ssl::host_name_verification(host));
    tls->async_handshake(asio::ssl::stream_base::client,
                         [self = shared_from_this(), stream](boost::system::error_code ec) {
                           if (ec) return self->fail(ec, "TLS handshake");
                           self->finish({}, "", stream);
                         });
  }

  void fail(std::error_code ec, std::string what) { finish(ec, what + ": " + ec.message(), nullptr); }
  void finish(std::error_code ec, std::string description, std::shared_ptr<client_stream> s) {
    deadline_.cancel();
    tls_stream_.reset();
    if (auto done = std::move(done_)) done(ec, std::move(description), std::move(s));
  }

  std::shared_ptr<connection_context> ctx_;
  stream_handler done_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  std::shared_ptr<client_stream> tls_stream_;  // while its handshake runs
  std::string buffer_;
};

}  // namespace

void open_stream(const std::shared_ptr<connection_context>& ctx, stream_handler done) {
  std::make_shared<opener>(ctx, std::move(done))->start();
}

}  // namespace sockio::client::detail
