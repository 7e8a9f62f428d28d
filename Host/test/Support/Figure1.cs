namespace IpsecFw.Host.Tests.Support;

/// <summary>The paper's Figure 1 with the blanks filled in as in Spd/test (PaperFigures.Figure1).</summary>
internal static class Figure1
{
    public const string Source = """
        inside_net = x509{name="*.example.com"};
        mail_gw = x509{name="mail-gw.example.com"};
        time_server = IPv4{192.0.2.123};

        allow smtp(*, mail_gw);
        allow smtp(mail_gw, inside_net);
        allow ntp(time_server,inside_net);
        allow *(inside_net, *);
        """;

    /// <summary>Figure 1 with one more rule, so a second version differs.</summary>
    public const string SourceWithSsh = Source + "\nallow ssh(*, inside_net);\n";
}
