import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { tenantOf, type RequestContext } from '../core/context';
import { BadUserInputError } from '../errors';
import { DateTimeScalar } from '../schema/scalars';
import { listCheckpoints } from './checkpoint';
import { AuditCheckpoint } from './checkpoint.type';

@Resolver()
export class CheckpointsResolver {
  @Query(() => [AuditCheckpoint], { description: 'The tenant’s signed checkpoints signed in the range, oldest first.' })
  async auditCheckpoints(
    @Ctx() context: RequestContext,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from?: Date | null,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to?: Date | null,
  ): Promise<AuditCheckpoint[]> {
    if (from && to && from > to) throw new BadUserInputError('from', 'must not be after to');
    return listCheckpoints(context.services.reads, tenantOf(context), from ?? undefined, to ?? undefined);
  }
}
