import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { serviceKey, type RequestContext } from '../core/context';
import { AuditError, BadUserInputError, ErrorCode } from '../errors';
import { DateTimeScalar } from '../schema/scalars';
import { eraseSubject } from './erase-subject';
import type { SubjectKeys } from './subject-keys';

/** The subjects' keys: null when no master key is set and personal data is stored as sent. */
export const SUBJECT_KEYS = serviceKey<SubjectKeys | null>('erasure.subject keys');

const MAX_SUBJECT_ID_LENGTH = 512;
const MAX_REASON_LENGTH = 2000;

@ObjectType({ simpleResolvers: true, description: 'What `eraseSubject` did.' })
export class ErasureResult {
  @Field(() => ID) subjectId!: string;
  @Field(() => Int, {
    description: 'Events of the subject (as actor, impersonator or record) when its key was destroyed.',
  })
  eventsAffected!: number;
  @Field(() => DateTimeScalar) erasedAt!: Date;
}

@Resolver()
export class ErasureResolver {
  @Mutation(() => ErasureResult, {
    description:
      'Erases a data subject (an actor or `User` id, or `Type:id` of another record) by destroying its key: its ' +
      'personal values read as null and are listed in `redactedFields` everywhere after; the events stay and the ' +
      'chain still verifies. Recorded as a deletion record (reason ERASURE) and a DELETE event of the `DataSubject`. ' +
      'CONFLICT while a legal hold covers one of its events.',
  })
  eraseSubject(
    @Ctx() context: RequestContext,
    @Arg('subjectId', () => ID) subjectId: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<ErasureResult> {
    if (!subjectId.trim() || subjectId.length > MAX_SUBJECT_ID_LENGTH)
      throw new BadUserInputError('subjectId', `must be 1 to ${MAX_SUBJECT_ID_LENGTH} characters`);
    if (!reason.trim() || reason.length > MAX_REASON_LENGTH)
      throw new BadUserInputError('reason', `must be 1 to ${MAX_REASON_LENGTH} characters`);
    const keys = context.services.get(SUBJECT_KEYS);
    if (!keys)
      throw new AuditError(
        ErrorCode.NotServedHere,
        'Personal data is stored unencrypted here (PERSONAL_DATA_MASTER_KEY is not set): it cannot be erased by key',
      );
    return eraseSubject(context.services, keys, context.auth.principal!, subjectId, reason.trim());
  }
}
