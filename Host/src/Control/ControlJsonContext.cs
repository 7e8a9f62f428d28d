using System.Text.Json.Serialization;

namespace IpsecFw.Host.Control;

/// <summary>The source-generated JSON metadata of the control protocol and of <c>--json</c> output.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(IReadOnlyList<IkeSaInfo>))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
