#include <boost/asio/ssl/context.hpp>

#include "detail/listener.hpp"

namespace sockio::engine::detail {

std::unique_ptr<boost::asio::ssl::context> make_tls_context(const tls_options& tls, boost::system::error_code& ec) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  context->use_certificate_chain_file(tls.certificate_chain_file, ec);
  if (!ec) context->use_private_key_file(tls.private_key_file, ssl::context::pem, ec);
  if (ec) return nullptr;
  return context;
}

}  // namespace sockio::engine::detail
