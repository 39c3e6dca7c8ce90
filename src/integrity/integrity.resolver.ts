import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { SIGNING_KEYS } from '../checkpoints/checkpoints.module';
import { BadUserInputError } from '../errors';
import { DateTimeScalar } from '../schema/scalars';
import { tenantOf, type RequestContext } from '../core/context';
import { IntegrityReport } from './integrity-report.type';
import { verifyChain } from './verify-chain';

@Resolver()
export class IntegrityResolver {
  @Query(() => IntegrityReport, {
    description: 'Re-walks the tenant’s hash chain over the events recorded in the range (all of them by default).',
  })
  async auditLogIntegrity(
    @Ctx() context: RequestContext,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to?: Date | null,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from?: Date | null,
  ): Promise<IntegrityReport> {
    if (from && to && from > to) throw new BadUserInputError('from', 'must not be after to');
    const { publicKeys } = context.services.get(SIGNING_KEYS);
    return verifyChain(context.services.reads, tenantOf(context), publicKeys, from ?? undefined, to ?? undefined);
  }
}
