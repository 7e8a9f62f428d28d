using System.Text.Json.Serialization;
using IpsecFw.Ike.Auth;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Configuration;

/// <summary>The source-generated JSON metadata of the configuration file (no reflection serializer).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    Converters = [
        typeof(KebabEnumConverter<PeerAuth>),
        typeof(KebabEnumConverter<StartAction>),
        typeof(KebabEnumConverter<EspEncapsulation>),
        typeof(KebabEnumConverter<RevocationPolicy>),
        typeof(KebabEnumConverter<LogLevel>)])]
[JsonSerializable(typeof(HostConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
