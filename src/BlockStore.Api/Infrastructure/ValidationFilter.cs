using System.Collections.Concurrent;
using FluentValidation;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Runs the FluentValidation validator of every bound argument that has one, and answers Cinder's 400
/// before the handler runs. Validation failures are answers, not exceptions.
/// </summary>
public sealed class ValidationFilter(IServiceProvider services) : IEndpointFilter
{
    private static readonly ConcurrentDictionary<Type, Type> ValidatorTypes = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var version = MicroversionMiddleware.Of(ctx.HttpContext);
        foreach (var argument in ctx.Arguments)
        {
            if (argument is null) continue;
            var validatorType = ValidatorTypes.GetOrAdd(argument.GetType(), t => typeof(IValidator<>).MakeGenericType(t));
            if (services.GetService(validatorType) is not IValidator validator) continue;
            var context = new ValidationContext<object>(argument);
            context.RootContextData[nameof(Microversion)] = version;
            var result = await validator.ValidateAsync(context, ctx.HttpContext.RequestAborted);
            if (!result.IsValid) return CinderFault.Result(400, result.Errors[0].ErrorMessage);
        }
        return await next(ctx);
    }
}
