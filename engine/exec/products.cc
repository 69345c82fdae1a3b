#include "engine/exec/products.h"

namespace convoy::engine {
namespace {

struct Product {
  const char* op_type;
  bool int8;  // IsInt8Product.
};

constexpr Product kProducts[] = {{"Conv", true}, {"Gemm", true}, {"MatMul", false}};

const Product* FindProduct(const ir::Node& node) {
  for (const Product& product : kProducts) {
    if (node.op_type == product.op_type) return &product;
  }
  return nullptr;
}

}  // namespace

bool IsProduct(const ir::Node& node) { return FindProduct(node) != nullptr; }

bool IsInt8Product(const ir::Node& node) {
  const Product* product = FindProduct(node);
  return product != nullptr && product->int8;
}

bool QuantizesInput(const ir::Graph& graph, const ir::Node& node, size_t i) {
  return i == 0 && IsInt8Product(node) && node.HasInput(0) && node.HasInput(1) &&
         graph.initializers.count(node.inputs[1]) > 0;
}

bool QuantizesResidual(const ir::Graph& graph, const ir::Node& node, size_t i) {
  return i == 3 && node.op_type == "Conv" && node.HasInput(3) && QuantizesInput(graph, node, 0);
}

}  // namespace convoy::engine
