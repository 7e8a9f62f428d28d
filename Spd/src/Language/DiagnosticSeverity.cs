namespace IpsecFw.Spd.Language;

/// <summary>How bad a <see cref="Diagnostic"/> is. Any <see cref="Error"/> stops a policy from compiling.</summary>
public enum DiagnosticSeverity
{
    /// <summary>The policy compiles, but something in it is probably not what the author meant.</summary>
    Warning,

    /// <summary>The policy does not compile.</summary>
    Error,
}
