namespace BlockStore.Api.Infrastructure;

public static class MinVersionFilter
{
    /// <summary>Routes that appear at a microversion: below it they do not exist (404), as in Cinder.</summary>
    public static TBuilder RequireVersion<TBuilder>(this TBuilder builder, int minor) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (ctx, next) => MicroversionMiddleware.Of(ctx.HttpContext).AtLeast(minor)
            ? await next(ctx)
            : CinderFault.Result(404, "The resource could not be found."));
}
