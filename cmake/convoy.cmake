# Helpers so that a library, a binary or a test is one line.
#
#   convoy_library(NAME engine_ir SRCS graph.cc DEPS absl::status)
#   convoy_test(NAME graph_test SRCS graph_test.cc DEPS engine_ir)
#   convoy_binary(NAME convoy-infer SRCS main.cc DEPS engine)

function(convoy_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

function(convoy_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
endfunction()

# Tests are labelled so the test command can pick subsets (`ctest -L unit`).
function(convoy_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # Prefixed with the binary's name so that `ctest -R npy_test` finds it.
  gtest_discover_tests(${ARG_NAME} TEST_PREFIX "${ARG_NAME}." PROPERTIES LABELS "${ARG_LABELS}"
                       ENVIRONMENT "CONVOY_ZOO_DIR=${CONVOY_ZOO_DIR}"
                       DISCOVERY_TIMEOUT 60)
endfunction()
