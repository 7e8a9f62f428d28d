namespace IpsecFw.Spd.Tests.Figures;

/// <summary>The paper's Figures 1 and 2, with the blanks filled in as issue 3 gives them.</summary>
internal static class PaperFigures
{
    public const string Figure1 = """
        inside_net = x509{name="*.example.com"};
        mail_gw = x509{name="mail-gw.example.com"};
        time_server = IPv4{192.0.2.123};

        allow smtp(*, mail_gw);
        allow smtp(mail_gw, inside_net);
        allow ntp(time_server,inside_net);
        allow *(inside_net, *);
        """;

    public const string Figure2 = """
        inside_net = x509{name="*.example.com", ver>19990315};
        mail_gw = x509{name="mail-gw.example.com"};
        time_server = IPv4{192.0.2.123};

        allow smtp(*, mail_gw);
        allow smtp(mail_gw, inside_net);ntp(time_server,inside_net);
        allow *(inside_net, *);
        """;
}
