"""Operator names of a .tflite flatbuffer, read with the flatbuffer schema package."""

from __future__ import annotations

# The operators the ecgcc compiler lowers (the model must stay within them).
SUPPORTED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN",
    "RESHAPE", "EXPAND_DIMS", "SQUEEZE", "CONCATENATION", "SOFTMAX", "ADD", "RELU", "RELU6",
}


def operator_names(flatbuffer: bytes) -> list[str]:
    import tflite

    names = {value: key for key, value in vars(tflite.BuiltinOperator).items() if not key.startswith("_")}
    model = tflite.Model.GetRootAsModel(bytearray(flatbuffer), 0)
    subgraph = model.Subgraphs(0)
    found = []
    for index in range(subgraph.OperatorsLength()):
        code = model.OperatorCodes(subgraph.Operators(index).OpcodeIndex())
        found.append(names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())])
    return found
