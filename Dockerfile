# Convoy's image: convoy-server with a default model repository (LeNet-5
# trained on Fashion-MNIST, two more seeds of it and their ensemble).
#
#   tools/docker.sh build       makes the models it bakes in, then builds this
#   docker run -p 8000:8000 -p 8001:8001 -p 8002:8002 convoy
#   docker run -v "$PWD/models:/models:ro" -p 8000:8000 -p 8001:8001 convoy   # your repository
#
# Arguments after the image name are convoy-server flags; the ports come
# from CONVOY_HTTP_PORT, CONVOY_GRPC_PORT and CONVOY_METRICS_PORT, which the
# HEALTHCHECK reads too. docs/DEPLOY.md has the rest.

ARG BASE=debian:bookworm-slim

# ---- build: compile, run the unit tests, strip the binaries ----
FROM ${BASE} AS build
COPY tools/install_deps.sh /src/tools/install_deps.sh
RUN /src/tools/install_deps.sh build && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt /src/
COPY cmake /src/cmake
COPY common /src/common
COPY proto /src/proto
COPY engine /src/engine
COPY repository /src/repository
COPY server /src/server
COPY client /src/client
COPY tools /src/tools
COPY bench /src/bench
COPY tests /src/tests
WORKDIR /src
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONVOY_WERROR=ON >/dev/null \
 && ninja -C build \
 && (cd build && ctest -L unit -j"$(nproc)" --output-on-failure --timeout 600) \
 && mkdir -p /out \
 && for b in server/convoy-server tools/convoy_health/convoy-health \
             tools/convoy_classify/convoy-classify tools/convoy_loadgen/convoy-loadgen \
             tools/convoy_calibrate/convoy-calibrate; do \
      strip -o "/out/$(basename "$b")" "build/$b"; \
    done

# ---- runtime: the binaries, their shared libraries, the default models ----
FROM ${BASE}
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="convoy" \
      org.opencontainers.image.description="CPU inference server for classic image-classification CNNs (KServe v2 gRPC and HTTP/REST, oneDNN)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# The shared libraries of the five binaries (ldd), and nothing else.
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libabsl20220623 libc-ares2 libcivetweb1 libdnnl2 libgomp1 libgrpc++1.51 libgrpc29 \
      libonnx1 libpng16-16 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libprotobuf32 \
      libre2-9 libssl3 libstdc++6 libturbojpeg0 ocl-icd-libopencl1 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin convoy
COPY --from=build /out/ /usr/local/bin/
COPY zoo/models/lenet5-fmnist /models/lenet5-fmnist
COPY zoo/models/lenet5-fmnist-seed1 /models/lenet5-fmnist-seed1
COPY zoo/models/lenet5-fmnist-seed2 /models/lenet5-fmnist-seed2
COPY zoo/models/fmnist-ensemble /models/fmnist-ensemble
USER 10001:10001
ENV CONVOY_HTTP_PORT=8000 CONVOY_GRPC_PORT=8001 CONVOY_METRICS_PORT=8002
EXPOSE 8000 8001 8002
# `exec` makes convoy-server PID 1: it takes SIGTERM itself and drains
# (health NOT_SERVING, accepted requests finish, exit 0).
ENTRYPOINT ["/bin/sh", "-c", "exec convoy-server --http-port \"$CONVOY_HTTP_PORT\" --grpc-port \"$CONVOY_GRPC_PORT\" --metrics-port \"$CONVOY_METRICS_PORT\" \"$@\"", "convoy-server"]
CMD ["--model-repository", "/models"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/bin/sh", "-c", "exec convoy-health --server \"127.0.0.1:$CONVOY_GRPC_PORT\" --timeout 2"]
