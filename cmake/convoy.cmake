# Helpers so that a library, a binary or a test is one line.
#
#   convoy_library(NAME engine_ir SRCS graph.cc DEPS absl::status)
#   convoy_library(NAME engine SRCS plan.cc DEPS engine_api PRIVATE_DEPS DNNL::dnnl)
#   convoy_test(NAME graph_test SRCS graph_test.cc DEPS engine_ir)
#   convoy_binary(NAME convoy-infer SRCS main.cc DEPS engine)
#
# A library's DEPS are public: its headers use them, so whoever links the
# library gets them too. PRIVATE_DEPS are for its .cc files alone; that is how
# the engine keeps oneDNN and ONNX to itself.

# oneDNN and ONNX are the engine's business. Their headers sit in /usr/include,
# which every compiler searches, so leaving them out of a target's
# dependencies does not stop its code from including them. Outside the
# directories below, a shadow of each of their headers that stops with an
# #error comes first on the include path instead, so `#include "dnnl.hpp"` in
# server/ fails to compile. Tests reach into the engine on purpose (and build
# ONNX models in memory); bench/ measures oneDNN itself.
# tests/include_rules_test.sh checks the rest of the module map.
set(CONVOY_ENGINE_PRIVATE_DIRS engine tests bench)
set(CONVOY_ENGINE_PRIVATE_SHADOWS ${PROJECT_BINARY_DIR}/engine_private_shadows)
function(_convoy_write_engine_private_shadows)
  set(private_headers)
  get_target_property(dnnl_dirs DNNL::dnnl INTERFACE_INCLUDE_DIRECTORIES)
  foreach(dir ${dnnl_dirs})
    file(GLOB found RELATIVE ${dir} ${dir}/dnnl*.h ${dir}/dnnl*.hpp)
    file(GLOB_RECURSE found_nested RELATIVE ${dir} ${dir}/oneapi/dnnl/*)
    list(APPEND private_headers ${found} ${found_nested})
  endforeach()
  get_target_property(onnx_dirs onnx_proto INTERFACE_INCLUDE_DIRECTORIES)
  foreach(dir ${onnx_dirs})
    file(GLOB_RECURSE found RELATIVE ${dir} ${dir}/onnx/*.h)
    list(APPEND private_headers ${found})
  endforeach()
  if(NOT "dnnl.hpp" IN_LIST private_headers OR NOT "onnx/onnx_pb.h" IN_LIST private_headers)
    message(FATAL_ERROR "convoy.cmake: oneDNN's or ONNX's headers are not where their packages say")
  endif()
  foreach(header ${private_headers})
    file(CONFIGURE OUTPUT ${CONVOY_ENGINE_PRIVATE_SHADOWS}/${header} CONTENT
      "// Made by cmake/convoy.cmake: outside the engine, this shadows <${header}>.\n#error \"${header} is private to the engine; include engine/api/ or engine/preprocess/ headers instead\"\n")
  endforeach()
endfunction()
_convoy_write_engine_private_shadows()

function(_convoy_hide_engine_private TARGET)
  file(RELATIVE_PATH dir ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  string(REGEX REPLACE "/.*" "" top "${dir}")
  if(NOT top IN_LIST CONVOY_ENGINE_PRIVATE_DIRS)
    target_include_directories(${TARGET} BEFORE PRIVATE ${CONVOY_ENGINE_PRIVATE_SHADOWS})
  endif()
endfunction()

function(convoy_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  _convoy_hide_engine_private(${ARG_NAME})
endfunction()

function(convoy_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  _convoy_hide_engine_private(${ARG_NAME})
endfunction()

# Tests are labelled so the test command can pick subsets (`ctest -L unit`).
# SERIAL: its tests time the machine, so no other test may run beside them.
function(convoy_test)
  cmake_parse_arguments(ARG "SERIAL" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # Prefixed with the binary's name so that `ctest -R npy_test` finds it.
  set(serial "")
  if(ARG_SERIAL)
    set(serial RUN_SERIAL TRUE)
  endif()
  gtest_discover_tests(${ARG_NAME} TEST_PREFIX "${ARG_NAME}." PROPERTIES LABELS "${ARG_LABELS}"
                       ENVIRONMENT "CONVOY_ZOO_DIR=${CONVOY_ZOO_DIR}" ${serial}
                       DISCOVERY_TIMEOUT 60)
endfunction()
