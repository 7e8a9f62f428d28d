namespace IpsecFw.Host.Demo;

/// <summary>What a try saw: the verdict and how it was reached (<c>answered</c>, <c>no answer in 2 s</c>, <c>refused</c>).</summary>
internal sealed record DemoObservation(DemoVerdict Verdict, string Detail);
