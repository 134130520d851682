import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace onnx {

    enum Version {
        _START_VERSION = 0,
        IR_VERSION_2017_10_10 = 1,
        IR_VERSION_2017_10_30 = 2,
        IR_VERSION_2017_11_3 = 3,
        IR_VERSION_2019_1_22 = 4,
        IR_VERSION_2019_3_18 = 5,
        IR_VERSION_2019_9_19 = 6,
        IR_VERSION_2020_5_8 = 7,
        IR_VERSION = 8
    }

    interface IAttributeProto extends onnx.AttributeProto.$Properties {
    }

    class AttributeProto {
        constructor(properties?: onnx.AttributeProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        refAttrName: string;
        docString: string;
        type: onnx.AttributeProto.AttributeType;
        f: number;
        i: number;
        s: Uint8Array;
        t?: (onnx.TensorProto.$Properties|null);
        g?: (onnx.GraphProto.$Properties|null);
        sparseTensor?: (onnx.SparseTensorProto.$Properties|null);
        tp?: (onnx.TypeProto.$Properties|null);
        floats: number[];
        ints: number[];
        strings: Uint8Array[];
        tensors: onnx.TensorProto.$Properties[];
        graphs: onnx.GraphProto.$Properties[];
        sparseTensors: onnx.SparseTensorProto.$Properties[];
        typeProtos: onnx.TypeProto.$Properties[];
        static create(properties: onnx.AttributeProto.$Shape): onnx.AttributeProto & onnx.AttributeProto.$Shape;
        static create(properties?: onnx.AttributeProto.$Properties): onnx.AttributeProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.AttributeProto & onnx.AttributeProto.$Shape;
    }

    namespace AttributeProto {
        interface $Properties {
            name?: (string|null);
            refAttrName?: (string|null);
            docString?: (string|null);
            type?: (onnx.AttributeProto.AttributeType|null);
            f?: (number|null);
            i?: (number|null);
            s?: (Uint8Array|null);
            t?: (onnx.TensorProto.$Properties|null);
            g?: (onnx.GraphProto.$Properties|null);
            sparseTensor?: (onnx.SparseTensorProto.$Properties|null);
            tp?: (onnx.TypeProto.$Properties|null);
            floats?: (number[]|null);
            ints?: (number[]|null);
            strings?: (Uint8Array[]|null);
            tensors?: (onnx.TensorProto.$Properties[]|null);
            graphs?: (onnx.GraphProto.$Properties[]|null);
            sparseTensors?: (onnx.SparseTensorProto.$Properties[]|null);
            typeProtos?: (onnx.TypeProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          name?: string|null;
          refAttrName?: string|null;
          docString?: string|null;
          type?: onnx.AttributeProto.AttributeType|null;
          f?: number|null;
          i?: number|null;
          s?: Uint8Array|null;
          t?: onnx.TensorProto.$Shape|null;
          g?: onnx.GraphProto.$Shape|null;
          sparseTensor?: onnx.SparseTensorProto.$Shape|null;
          tp?: onnx.TypeProto.$Shape|null;
          floats?: number[]|null;
          ints?: number[]|null;
          strings?: Uint8Array[]|null;
          tensors?: onnx.TensorProto.$Shape[]|null;
          graphs?: onnx.GraphProto.$Shape[]|null;
          sparseTensors?: onnx.SparseTensorProto.$Shape[]|null;
          typeProtos?: onnx.TypeProto.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };

        enum AttributeType {
            UNDEFINED = 0,
            FLOAT = 1,
            INT = 2,
            STRING = 3,
            TENSOR = 4,
            GRAPH = 5,
            SPARSE_TENSOR = 11,
            TYPE_PROTO = 13,
            FLOATS = 6,
            INTS = 7,
            STRINGS = 8,
            TENSORS = 9,
            GRAPHS = 10,
            SPARSE_TENSORS = 12,
            TYPE_PROTOS = 14
        }
    }

    interface IValueInfoProto extends onnx.ValueInfoProto.$Properties {
    }

    class ValueInfoProto {
        constructor(properties?: onnx.ValueInfoProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        type?: (onnx.TypeProto.$Properties|null);
        docString: string;
        static create(properties: onnx.ValueInfoProto.$Shape): onnx.ValueInfoProto & onnx.ValueInfoProto.$Shape;
        static create(properties?: onnx.ValueInfoProto.$Properties): onnx.ValueInfoProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.ValueInfoProto & onnx.ValueInfoProto.$Shape;
    }

    namespace ValueInfoProto {
        interface $Properties {
            name?: (string|null);
            type?: (onnx.TypeProto.$Properties|null);
            docString?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          name?: string|null;
          type?: onnx.TypeProto.$Shape|null;
          docString?: string|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface INodeProto extends onnx.NodeProto.$Properties {
    }

    class NodeProto {
        constructor(properties?: onnx.NodeProto.$Properties);
        $unknowns?: Uint8Array[];
        input: string[];
        output: string[];
        name: string;
        opType: string;
        domain: string;
        attribute: onnx.AttributeProto.$Properties[];
        docString: string;
        static create(properties: onnx.NodeProto.$Shape): onnx.NodeProto & onnx.NodeProto.$Shape;
        static create(properties?: onnx.NodeProto.$Properties): onnx.NodeProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.NodeProto & onnx.NodeProto.$Shape;
    }

    namespace NodeProto {
        interface $Properties {
            input?: (string[]|null);
            output?: (string[]|null);
            name?: (string|null);
            opType?: (string|null);
            domain?: (string|null);
            attribute?: (onnx.AttributeProto.$Properties[]|null);
            docString?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          input?: string[]|null;
          output?: string[]|null;
          name?: string|null;
          opType?: string|null;
          domain?: string|null;
          attribute?: onnx.AttributeProto.$Shape[]|null;
          docString?: string|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface ITrainingInfoProto extends onnx.TrainingInfoProto.$Properties {
    }

    class TrainingInfoProto {
        constructor(properties?: onnx.TrainingInfoProto.$Properties);
        $unknowns?: Uint8Array[];
        initialization?: (onnx.GraphProto.$Properties|null);
        algorithm?: (onnx.GraphProto.$Properties|null);
        initializationBinding: onnx.StringStringEntryProto.$Properties[];
        updateBinding: onnx.StringStringEntryProto.$Properties[];
        static create(properties: onnx.TrainingInfoProto.$Shape): onnx.TrainingInfoProto & onnx.TrainingInfoProto.$Shape;
        static create(properties?: onnx.TrainingInfoProto.$Properties): onnx.TrainingInfoProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TrainingInfoProto & onnx.TrainingInfoProto.$Shape;
    }

    namespace TrainingInfoProto {
        interface $Properties {
            initialization?: (onnx.GraphProto.$Properties|null);
            algorithm?: (onnx.GraphProto.$Properties|null);
            initializationBinding?: (onnx.StringStringEntryProto.$Properties[]|null);
            updateBinding?: (onnx.StringStringEntryProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          initialization?: onnx.GraphProto.$Shape|null;
          algorithm?: onnx.GraphProto.$Shape|null;
          initializationBinding?: onnx.StringStringEntryProto.$Shape[]|null;
          updateBinding?: onnx.StringStringEntryProto.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IModelProto extends onnx.ModelProto.$Properties {
    }

    class ModelProto {
        constructor(properties?: onnx.ModelProto.$Properties);
        $unknowns?: Uint8Array[];
        irVersion: number;
        opsetImport: onnx.OperatorSetIdProto.$Properties[];
        producerName: string;
        producerVersion: string;
        domain: string;
        modelVersion: number;
        docString: string;
        graph?: (onnx.GraphProto.$Properties|null);
        metadataProps: onnx.StringStringEntryProto.$Properties[];
        trainingInfo: onnx.TrainingInfoProto.$Properties[];
        functions: onnx.FunctionProto.$Properties[];
        static create(properties: onnx.ModelProto.$Shape): onnx.ModelProto & onnx.ModelProto.$Shape;
        static create(properties?: onnx.ModelProto.$Properties): onnx.ModelProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.ModelProto & onnx.ModelProto.$Shape;
    }

    namespace ModelProto {
        interface $Properties {
            irVersion?: (number|null);
            opsetImport?: (onnx.OperatorSetIdProto.$Properties[]|null);
            producerName?: (string|null);
            producerVersion?: (string|null);
            domain?: (string|null);
            modelVersion?: (number|null);
            docString?: (string|null);
            graph?: (onnx.GraphProto.$Properties|null);
            metadataProps?: (onnx.StringStringEntryProto.$Properties[]|null);
            trainingInfo?: (onnx.TrainingInfoProto.$Properties[]|null);
            functions?: (onnx.FunctionProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          irVersion?: number|null;
          opsetImport?: onnx.OperatorSetIdProto.$Shape[]|null;
          producerName?: string|null;
          producerVersion?: string|null;
          domain?: string|null;
          modelVersion?: number|null;
          docString?: string|null;
          graph?: onnx.GraphProto.$Shape|null;
          metadataProps?: onnx.StringStringEntryProto.$Shape[]|null;
          trainingInfo?: onnx.TrainingInfoProto.$Shape[]|null;
          functions?: onnx.FunctionProto.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IStringStringEntryProto extends onnx.StringStringEntryProto.$Properties {
    }

    class StringStringEntryProto {
        constructor(properties?: onnx.StringStringEntryProto.$Properties);
        $unknowns?: Uint8Array[];
        key: string;
        value: string;
        static create(properties: onnx.StringStringEntryProto.$Shape): onnx.StringStringEntryProto & onnx.StringStringEntryProto.$Shape;
        static create(properties?: onnx.StringStringEntryProto.$Properties): onnx.StringStringEntryProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.StringStringEntryProto & onnx.StringStringEntryProto.$Shape;
    }

    namespace StringStringEntryProto {
        interface $Properties {
            key?: (string|null);
            value?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = onnx.StringStringEntryProto.$Properties;
    }

    interface ITensorAnnotation extends onnx.TensorAnnotation.$Properties {
    }

    class TensorAnnotation {
        constructor(properties?: onnx.TensorAnnotation.$Properties);
        $unknowns?: Uint8Array[];
        tensorName: string;
        quantParameterTensorNames: onnx.StringStringEntryProto.$Properties[];
        static create(properties: onnx.TensorAnnotation.$Shape): onnx.TensorAnnotation & onnx.TensorAnnotation.$Shape;
        static create(properties?: onnx.TensorAnnotation.$Properties): onnx.TensorAnnotation;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TensorAnnotation & onnx.TensorAnnotation.$Shape;
    }

    namespace TensorAnnotation {
        interface $Properties {
            tensorName?: (string|null);
            quantParameterTensorNames?: (onnx.StringStringEntryProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = onnx.TensorAnnotation.$Properties;
    }

    interface IGraphProto extends onnx.GraphProto.$Properties {
    }

    class GraphProto {
        constructor(properties?: onnx.GraphProto.$Properties);
        $unknowns?: Uint8Array[];
        node: onnx.NodeProto.$Properties[];
        name: string;
        initializer: onnx.TensorProto.$Properties[];
        sparseInitializer: onnx.SparseTensorProto.$Properties[];
        docString: string;
        input: onnx.ValueInfoProto.$Properties[];
        output: onnx.ValueInfoProto.$Properties[];
        valueInfo: onnx.ValueInfoProto.$Properties[];
        quantizationAnnotation: onnx.TensorAnnotation.$Properties[];
        static create(properties: onnx.GraphProto.$Shape): onnx.GraphProto & onnx.GraphProto.$Shape;
        static create(properties?: onnx.GraphProto.$Properties): onnx.GraphProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.GraphProto & onnx.GraphProto.$Shape;
    }

    namespace GraphProto {
        interface $Properties {
            node?: (onnx.NodeProto.$Properties[]|null);
            name?: (string|null);
            initializer?: (onnx.TensorProto.$Properties[]|null);
            sparseInitializer?: (onnx.SparseTensorProto.$Properties[]|null);
            docString?: (string|null);
            input?: (onnx.ValueInfoProto.$Properties[]|null);
            output?: (onnx.ValueInfoProto.$Properties[]|null);
            valueInfo?: (onnx.ValueInfoProto.$Properties[]|null);
            quantizationAnnotation?: (onnx.TensorAnnotation.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          node?: onnx.NodeProto.$Shape[]|null;
          name?: string|null;
          initializer?: onnx.TensorProto.$Shape[]|null;
          sparseInitializer?: onnx.SparseTensorProto.$Shape[]|null;
          docString?: string|null;
          input?: onnx.ValueInfoProto.$Shape[]|null;
          output?: onnx.ValueInfoProto.$Shape[]|null;
          valueInfo?: onnx.ValueInfoProto.$Shape[]|null;
          quantizationAnnotation?: onnx.TensorAnnotation.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface ITensorProto extends onnx.TensorProto.$Properties {
    }

    class TensorProto {
        constructor(properties?: onnx.TensorProto.$Properties);
        $unknowns?: Uint8Array[];
        dims: number[];
        dataType: number;
        segment?: (onnx.TensorProto.Segment.$Properties|null);
        floatData: number[];
        int32Data: number[];
        stringData: Uint8Array[];
        int64Data: number[];
        name: string;
        docString: string;
        rawData: Uint8Array;
        externalData: onnx.StringStringEntryProto.$Properties[];
        dataLocation: onnx.TensorProto.DataLocation;
        doubleData: number[];
        uint64Data: number[];
        static create(properties: onnx.TensorProto.$Shape): onnx.TensorProto & onnx.TensorProto.$Shape;
        static create(properties?: onnx.TensorProto.$Properties): onnx.TensorProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TensorProto & onnx.TensorProto.$Shape;
    }

    namespace TensorProto {
        interface $Properties {
            dims?: (number[]|null);
            dataType?: (number|null);
            segment?: (onnx.TensorProto.Segment.$Properties|null);
            floatData?: (number[]|null);
            int32Data?: (number[]|null);
            stringData?: (Uint8Array[]|null);
            int64Data?: (number[]|null);
            name?: (string|null);
            docString?: (string|null);
            rawData?: (Uint8Array|null);
            externalData?: (onnx.StringStringEntryProto.$Properties[]|null);
            dataLocation?: (onnx.TensorProto.DataLocation|null);
            doubleData?: (number[]|null);
            uint64Data?: (number[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = onnx.TensorProto.$Properties;

        enum DataType {
            UNDEFINED = 0,
            FLOAT = 1,
            UINT8 = 2,
            INT8 = 3,
            UINT16 = 4,
            INT16 = 5,
            INT32 = 6,
            INT64 = 7,
            STRING = 8,
            BOOL = 9,
            FLOAT16 = 10,
            DOUBLE = 11,
            UINT32 = 12,
            UINT64 = 13,
            COMPLEX64 = 14,
            COMPLEX128 = 15,
            BFLOAT16 = 16
        }

        interface ISegment extends onnx.TensorProto.Segment.$Properties {
        }

        class Segment {
            constructor(properties?: onnx.TensorProto.Segment.$Properties);
            $unknowns?: Uint8Array[];
            begin: number;
            end: number;
            static create(properties: onnx.TensorProto.Segment.$Shape): onnx.TensorProto.Segment & onnx.TensorProto.Segment.$Shape;
            static create(properties?: onnx.TensorProto.Segment.$Properties): onnx.TensorProto.Segment;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TensorProto.Segment & onnx.TensorProto.Segment.$Shape;
        }

        namespace Segment {
            interface $Properties {
                begin?: (number|null);
                end?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = onnx.TensorProto.Segment.$Properties;
        }

        enum DataLocation {
            DEFAULT = 0,
            EXTERNAL = 1
        }
    }

    interface ISparseTensorProto extends onnx.SparseTensorProto.$Properties {
    }

    class SparseTensorProto {
        constructor(properties?: onnx.SparseTensorProto.$Properties);
        $unknowns?: Uint8Array[];
        values?: (onnx.TensorProto.$Properties|null);
        indices?: (onnx.TensorProto.$Properties|null);
        dims: number[];
        static create(properties: onnx.SparseTensorProto.$Shape): onnx.SparseTensorProto & onnx.SparseTensorProto.$Shape;
        static create(properties?: onnx.SparseTensorProto.$Properties): onnx.SparseTensorProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.SparseTensorProto & onnx.SparseTensorProto.$Shape;
    }

    namespace SparseTensorProto {
        interface $Properties {
            values?: (onnx.TensorProto.$Properties|null);
            indices?: (onnx.TensorProto.$Properties|null);
            dims?: (number[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = onnx.SparseTensorProto.$Properties;
    }

    interface ITensorShapeProto extends onnx.TensorShapeProto.$Properties {
    }

    class TensorShapeProto {
        constructor(properties?: onnx.TensorShapeProto.$Properties);
        $unknowns?: Uint8Array[];
        dim: onnx.TensorShapeProto.Dimension.$Properties[];
        static create(properties: onnx.TensorShapeProto.$Shape): onnx.TensorShapeProto & onnx.TensorShapeProto.$Shape;
        static create(properties?: onnx.TensorShapeProto.$Properties): onnx.TensorShapeProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TensorShapeProto & onnx.TensorShapeProto.$Shape;
    }

    namespace TensorShapeProto {
        interface $Properties {
            dim?: (onnx.TensorShapeProto.Dimension.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          dim?: onnx.TensorShapeProto.Dimension.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };

        interface IDimension extends onnx.TensorShapeProto.Dimension.$Properties {
        }

        class Dimension {
            constructor(properties?: onnx.TensorShapeProto.Dimension.$Properties);
            $unknowns?: Uint8Array[];
            dimValue?: (number|null);
            dimParam?: (string|null);
            denotation: string;
            value?: ("dimValue"|"dimParam");
            static create(properties: onnx.TensorShapeProto.Dimension.$Shape): onnx.TensorShapeProto.Dimension & onnx.TensorShapeProto.Dimension.$Shape;
            static create(properties?: onnx.TensorShapeProto.Dimension.$Properties): onnx.TensorShapeProto.Dimension;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TensorShapeProto.Dimension & onnx.TensorShapeProto.Dimension.$Shape;
        }

        namespace Dimension {
            interface $Properties {
                dimValue?: (number|null);
                dimParam?: (string|null);
                denotation?: (string|null);
                value?: ("dimValue"|"dimParam");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              dimValue?: number|null;
              dimParam?: string|null;
              denotation?: string|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ value?: undefined; dimValue?: null; dimParam?: null }|{ value?: "dimValue"; dimValue: number; dimParam?: null }|{ value?: "dimParam"; dimValue?: null; dimParam: string })
            );
        }
    }

    interface ITypeProto extends onnx.TypeProto.$Properties {
    }

    class TypeProto {
        constructor(properties?: onnx.TypeProto.$Properties);
        $unknowns?: Uint8Array[];
        tensorType?: (onnx.TypeProto.Tensor.$Properties|null);
        sequenceType?: (onnx.TypeProto.Sequence.$Properties|null);
        mapType?: (onnx.TypeProto.Map.$Properties|null);
        optionalType?: (onnx.TypeProto.Optional.$Properties|null);
        sparseTensorType?: (onnx.TypeProto.SparseTensor.$Properties|null);
        denotation: string;
        value?: ("tensorType"|"sequenceType"|"mapType"|"optionalType"|"sparseTensorType");
        static create(properties: onnx.TypeProto.$Shape): onnx.TypeProto & onnx.TypeProto.$Shape;
        static create(properties?: onnx.TypeProto.$Properties): onnx.TypeProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TypeProto & onnx.TypeProto.$Shape;
    }

    namespace TypeProto {
        interface $Properties {
            tensorType?: (onnx.TypeProto.Tensor.$Properties|null);
            sequenceType?: (onnx.TypeProto.Sequence.$Properties|null);
            mapType?: (onnx.TypeProto.Map.$Properties|null);
            optionalType?: (onnx.TypeProto.Optional.$Properties|null);
            sparseTensorType?: (onnx.TypeProto.SparseTensor.$Properties|null);
            denotation?: (string|null);
            value?: ("tensorType"|"sequenceType"|"mapType"|"optionalType"|"sparseTensorType");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          tensorType?: onnx.TypeProto.Tensor.$Shape|null;
          sequenceType?: onnx.TypeProto.Sequence.$Shape|null;
          mapType?: onnx.TypeProto.Map.$Shape|null;
          optionalType?: onnx.TypeProto.Optional.$Shape|null;
          sparseTensorType?: onnx.TypeProto.SparseTensor.$Shape|null;
          denotation?: string|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ value?: undefined; tensorType?: null; sequenceType?: null; mapType?: null; optionalType?: null; sparseTensorType?: null }|{ value?: "tensorType"; tensorType: onnx.TypeProto.Tensor.$Shape; sequenceType?: null; mapType?: null; optionalType?: null; sparseTensorType?: null }|{ value?: "sequenceType"; tensorType?: null; sequenceType: onnx.TypeProto.Sequence.$Shape; mapType?: null; optionalType?: null; sparseTensorType?: null }|{ value?: "mapType"; tensorType?: null; sequenceType?: null; mapType: onnx.TypeProto.Map.$Shape; optionalType?: null; sparseTensorType?: null }|{ value?: "optionalType"; tensorType?: null; sequenceType?: null; mapType?: null; optionalType: onnx.TypeProto.Optional.$Shape; sparseTensorType?: null }|{ value?: "sparseTensorType"; tensorType?: null; sequenceType?: null; mapType?: null; optionalType?: null; sparseTensorType: onnx.TypeProto.SparseTensor.$Shape })
        );

        interface ITensor extends onnx.TypeProto.Tensor.$Properties {
        }

        class Tensor {
            constructor(properties?: onnx.TypeProto.Tensor.$Properties);
            $unknowns?: Uint8Array[];
            elemType: number;
            shape?: (onnx.TensorShapeProto.$Properties|null);
            static create(properties: onnx.TypeProto.Tensor.$Shape): onnx.TypeProto.Tensor & onnx.TypeProto.Tensor.$Shape;
            static create(properties?: onnx.TypeProto.Tensor.$Properties): onnx.TypeProto.Tensor;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TypeProto.Tensor & onnx.TypeProto.Tensor.$Shape;
        }

        namespace Tensor {
            interface $Properties {
                elemType?: (number|null);
                shape?: (onnx.TensorShapeProto.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              elemType?: number|null;
              shape?: onnx.TensorShapeProto.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }

        interface ISequence extends onnx.TypeProto.Sequence.$Properties {
        }

        class Sequence {
            constructor(properties?: onnx.TypeProto.Sequence.$Properties);
            $unknowns?: Uint8Array[];
            elemType?: (onnx.TypeProto.$Properties|null);
            static create(properties: onnx.TypeProto.Sequence.$Shape): onnx.TypeProto.Sequence & onnx.TypeProto.Sequence.$Shape;
            static create(properties?: onnx.TypeProto.Sequence.$Properties): onnx.TypeProto.Sequence;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TypeProto.Sequence & onnx.TypeProto.Sequence.$Shape;
        }

        namespace Sequence {
            interface $Properties {
                elemType?: (onnx.TypeProto.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              elemType?: onnx.TypeProto.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }

        interface IMap extends onnx.TypeProto.Map.$Properties {
        }

        class Map {
            constructor(properties?: onnx.TypeProto.Map.$Properties);
            $unknowns?: Uint8Array[];
            keyType: number;
            valueType?: (onnx.TypeProto.$Properties|null);
            static create(properties: onnx.TypeProto.Map.$Shape): onnx.TypeProto.Map & onnx.TypeProto.Map.$Shape;
            static create(properties?: onnx.TypeProto.Map.$Properties): onnx.TypeProto.Map;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TypeProto.Map & onnx.TypeProto.Map.$Shape;
        }

        namespace Map {
            interface $Properties {
                keyType?: (number|null);
                valueType?: (onnx.TypeProto.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              keyType?: number|null;
              valueType?: onnx.TypeProto.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }

        interface IOptional extends onnx.TypeProto.Optional.$Properties {
        }

        class Optional {
            constructor(properties?: onnx.TypeProto.Optional.$Properties);
            $unknowns?: Uint8Array[];
            elemType?: (onnx.TypeProto.$Properties|null);
            static create(properties: onnx.TypeProto.Optional.$Shape): onnx.TypeProto.Optional & onnx.TypeProto.Optional.$Shape;
            static create(properties?: onnx.TypeProto.Optional.$Properties): onnx.TypeProto.Optional;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TypeProto.Optional & onnx.TypeProto.Optional.$Shape;
        }

        namespace Optional {
            interface $Properties {
                elemType?: (onnx.TypeProto.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              elemType?: onnx.TypeProto.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }

        interface ISparseTensor extends onnx.TypeProto.SparseTensor.$Properties {
        }

        class SparseTensor {
            constructor(properties?: onnx.TypeProto.SparseTensor.$Properties);
            $unknowns?: Uint8Array[];
            elemType: number;
            shape?: (onnx.TensorShapeProto.$Properties|null);
            static create(properties: onnx.TypeProto.SparseTensor.$Shape): onnx.TypeProto.SparseTensor & onnx.TypeProto.SparseTensor.$Shape;
            static create(properties?: onnx.TypeProto.SparseTensor.$Properties): onnx.TypeProto.SparseTensor;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.TypeProto.SparseTensor & onnx.TypeProto.SparseTensor.$Shape;
        }

        namespace SparseTensor {
            interface $Properties {
                elemType?: (number|null);
                shape?: (onnx.TensorShapeProto.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              elemType?: number|null;
              shape?: onnx.TensorShapeProto.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }
    }

    interface IOperatorSetIdProto extends onnx.OperatorSetIdProto.$Properties {
    }

    class OperatorSetIdProto {
        constructor(properties?: onnx.OperatorSetIdProto.$Properties);
        $unknowns?: Uint8Array[];
        domain: string;
        version: number;
        static create(properties: onnx.OperatorSetIdProto.$Shape): onnx.OperatorSetIdProto & onnx.OperatorSetIdProto.$Shape;
        static create(properties?: onnx.OperatorSetIdProto.$Properties): onnx.OperatorSetIdProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.OperatorSetIdProto & onnx.OperatorSetIdProto.$Shape;
    }

    namespace OperatorSetIdProto {
        interface $Properties {
            domain?: (string|null);
            version?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = onnx.OperatorSetIdProto.$Properties;
    }

    enum OperatorStatus {
        EXPERIMENTAL = 0,
        STABLE = 1
    }

    interface IFunctionProto extends onnx.FunctionProto.$Properties {
    }

    class FunctionProto {
        constructor(properties?: onnx.FunctionProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        input: string[];
        output: string[];
        attribute: string[];
        node: onnx.NodeProto.$Properties[];
        docString: string;
        opsetImport: onnx.OperatorSetIdProto.$Properties[];
        domain: string;
        static create(properties: onnx.FunctionProto.$Shape): onnx.FunctionProto & onnx.FunctionProto.$Shape;
        static create(properties?: onnx.FunctionProto.$Properties): onnx.FunctionProto;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): onnx.FunctionProto & onnx.FunctionProto.$Shape;
    }

    namespace FunctionProto {
        interface $Properties {
            name?: (string|null);
            input?: (string[]|null);
            output?: (string[]|null);
            attribute?: (string[]|null);
            node?: (onnx.NodeProto.$Properties[]|null);
            docString?: (string|null);
            opsetImport?: (onnx.OperatorSetIdProto.$Properties[]|null);
            domain?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          name?: string|null;
          input?: string[]|null;
          output?: string[]|null;
          attribute?: string[]|null;
          node?: onnx.NodeProto.$Shape[]|null;
          docString?: string|null;
          opsetImport?: onnx.OperatorSetIdProto.$Shape[]|null;
          domain?: string|null;
          $unknowns?: Uint8Array[];
        };
    }
}
