#include "detail/http_exchange.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sockio/client/error.hpp"

namespace sockio::client::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct http_exchange::state {
  boost::beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
};

void http_exchange::request(std::string head, std::string body, done_fn done) {
  done_ = std::move(done);
  text_ = std::move(head);
  text_ += "\r\n";
  text_ += ctx_->common_headers();
  text_ += "\r\n";
  text_ += body;
  if (closed_) return fail(make_error_code(errc::closed), "closed");
  do_write(stream_ == nullptr);
}

void http_exchange::do_write(bool fresh) {
  if (!stream_) {
    open_stream(ctx_, [self = shared_from_this()](std::error_code ec, std::string description,
                                                  std::shared_ptr<client_stream> s) {
      if (self->closed_) return self->fail(make_error_code(errc::closed), "closed");
      if (ec) return self->fail(ec, std::move(description));
      self->stream_ = std::move(s);
      self->do_write(true);
    });
    return;
  }
  if (!state_) state_ = std::make_shared<state>();
  state_->parser.emplace();
  state_->parser->body_limit(ctx_->opts.max_message_size);
  auto stream = stream_;
  asio::async_write(*stream, asio::buffer(text_),
                    [self = shared_from_this(), stream, fresh](boost::system::error_code ec, std::size_t) {
                      if (ec) return self->on_answer(ec, fresh, false);
                      auto st = self->state_;
                      http::async_read(*stream, st->buffer, *st->parser,
                                       [self, stream, st, fresh](boost::system::error_code ec, std::size_t n) {
                                         self->on_answer(ec, fresh, n > 0);
                                       });
                    });
}

void http_exchange::on_answer(boost::system::error_code ec, bool fresh, bool got_bytes) {
  if (closed_) return fail(make_error_code(errc::closed), "closed");
  if (ec) {
    stream_->close();
    stream_.reset();
    state_.reset();
    // The server closed the kept-alive connection while it was idle: once more, afresh.
    if (!fresh && !got_bytes) return do_write(true);
    if (ec == http::error::body_limit) return fail(make_error_code(errc::message_too_large), "message too large");
    return fail(ec, ec.message());
  }
  auto message = state_->parser->release();
  for (const auto& field : message.base()) {
    if (field.name() == http::field::set_cookie) ctx_->take_cookie(field.value());
  }
  if (!message.keep_alive()) {
    stream_->close();
    stream_.reset();
    state_.reset();
  } else {
    // Idle connections keep no buffer.
    state_->buffer.shrink_to_fit();
  }
  std::string().swap(text_);
  if (auto done = std::move(done_)) done({}, {}, message.result_int(), std::move(message.body()));
}

void http_exchange::fail(std::error_code ec, std::string description) {
  std::string().swap(text_);
  if (auto done = std::move(done_)) done(ec, std::move(description), 0, {});
}

void http_exchange::close() {
  closed_ = true;
  if (stream_) stream_->close();
}

}  // namespace sockio::client::detail
