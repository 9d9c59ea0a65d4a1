# `cmake --install`: headers, the libraries, sockioConfig.cmake (+ version) with the
# targets sockio::codec, sockio::io, sockio::engine, sockio::sio, sockio::redis,
# sockio::redis_adapter, sockio::client, and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(sockio_asio PROPERTIES EXPORT_NAME asio)
set_target_properties(sockio_codec PROPERTIES EXPORT_NAME codec)
set_target_properties(sockio_io PROPERTIES EXPORT_NAME io)
set_target_properties(sockio_engine PROPERTIES EXPORT_NAME engine)
set_target_properties(sockio_sio PROPERTIES EXPORT_NAME sio)
set_target_properties(sockio_redis PROPERTIES EXPORT_NAME redis)
set_target_properties(sockio_redis_adapter PROPERTIES EXPORT_NAME redis_adapter)
set_target_properties(sockio_client PROPERTIES EXPORT_NAME client)

install(TARGETS sockio_asio sockio_codec sockio_io sockio_engine sockio_sio sockio_redis sockio_redis_adapter sockio_client
  EXPORT sockioTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/sockio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sockioTargets NAMESPACE sockio:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sockio)

configure_package_config_file(cmake/sockioConfig.cmake.in ${PROJECT_BINARY_DIR}/sockioConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sockio)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sockioConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sockioConfig.cmake ${PROJECT_BINARY_DIR}/sockioConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sockio)

configure_file(cmake/sockio.pc.in ${PROJECT_BINARY_DIR}/sockio.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sockio.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
