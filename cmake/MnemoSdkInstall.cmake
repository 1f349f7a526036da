# Installs the plugin SDK (component "sdk"), so a backend builds out of tree:
#
#   cmake --install build --prefix P --component sdk
#     P/include/mnemo/{backend.h, backend_sdk.hpp, backend_values.hpp}
#     P/lib/cmake/mnemo/{mnemoConfig.cmake, mnemoConfigVersion.cmake, mnemoTargets.cmake,
#                        MnemoBackend.cmake, backend.map, backend.json.in}
#
# then, in the plugin's project, find_package(mnemo) (with -DCMAKE_PREFIX_PATH=P) gives the
# imported INTERFACE target mnemo::sdk (the include folder) and mnemo_add_backend(), which builds
# the plugin exactly as mnemo builds its own (cmake/MnemoBackend.cmake). Header-only: a plugin
# links nothing of mnemo, so the package is architecture-independent. examples/plugin is such a
# project; tests/abi/sdk_install_test.cc builds it against an installed SDK.
include(CMakePackageConfigHelpers)

set(MNEMO_SDK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mnemo)

install(FILES
  ${PROJECT_SOURCE_DIR}/harness/include/mnemo/backend.h
  ${PROJECT_SOURCE_DIR}/harness/include/mnemo/backend_sdk.hpp
  ${PROJECT_SOURCE_DIR}/harness/include/mnemo/backend_values.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mnemo COMPONENT sdk)

install(TARGETS mnemo_abi EXPORT mnemoTargets COMPONENT sdk)
install(EXPORT mnemoTargets NAMESPACE mnemo:: DESTINATION ${MNEMO_SDK_CMAKE_DIR} COMPONENT sdk)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/mnemoConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sdk/mnemoConfig.cmake
  INSTALL_DESTINATION ${MNEMO_SDK_CMAKE_DIR})
# The version is mnemo's; SameMajorVersion because the plugin ABI's major (backend.h) only
# changes with it.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sdk/mnemoConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)

install(FILES
  ${PROJECT_BINARY_DIR}/sdk/mnemoConfig.cmake
  ${PROJECT_BINARY_DIR}/sdk/mnemoConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/MnemoBackend.cmake
  ${CMAKE_CURRENT_LIST_DIR}/backend.map
  ${CMAKE_CURRENT_LIST_DIR}/backend.json.in
  DESTINATION ${MNEMO_SDK_CMAKE_DIR} COMPONENT sdk)
